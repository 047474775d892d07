#include "tests/support/database.h"

#include <utility>

#include <gtest/gtest.h>

namespace patbot::testing {

void openDatabase(const std::string& path, std::unique_ptr<storage::Database>& db) {
  auto opened = storage::Database::open(path);
  ASSERT_TRUE(opened) << opened.error().detail;
  db = std::move(*opened);
}

std::vector<storage::AuditEntry> latestAuditRows(storage::AuditStore& audit, int limit) {
  storage::AuditQuery q;
  q.limit = limit;
  auto rows = audit.latest(q);
  EXPECT_TRUE(rows) << rows.error().message;
  return rows ? *rows : std::vector<storage::AuditEntry>{};
}

}  // namespace patbot::testing
