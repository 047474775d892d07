#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using patbot::testing::TempDir;

TEST(StorageSchemaV2, AppliesOnDatabaseCreatedByMigration1) {
  TempDir dir;
  const auto path = dir.file("old.db");
  FakeClock clock(*parseTimestamp("2025-06-01T00:00:00Z"));
  std::vector<std::string> hashes;
  {
    const std::vector<Migration> v1 = {schemaMigrations().at(0)};
    ASSERT_EQ(v1[0].version, 1);
    auto db = Database::open(path, v1);
    ASSERT_TRUE(db) << db.error().detail;
    EXPECT_EQ((*db)->schemaVersion(), 1);
    EXPECT_FALSE((*db)->db().tableExists("rotations"));
    SqliteAuditStore audit(**db, clock);
    for (int i = 0; i < 3; ++i) {
      AuditRecord r;
      r.actor = "U1";
      r.action = "command.status";
      r.outcome = "ok";
      r.detail = {{"i", i}};
      r.requestId = "req";
      ASSERT_TRUE(audit.append(r));
    }
    auto rows = audit.latest({});
    ASSERT_TRUE(rows);
    for (const auto& e : *rows) hashes.push_back(e.hash);
  }

  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->schemaVersion(), latestSchemaVersion());   // every later migration applies too
  EXPECT_GE(latestSchemaVersion(), 2);
  for (const char* table : {"rotations", "rotation_steps", "confirmations", "processed_requests"}) {
    EXPECT_TRUE((*db)->db().tableExists(table)) << table;
  }
  SqliteAuditStore audit(**db, clock);
  auto rows = audit.latest({});
  ASSERT_TRUE(rows);
  std::vector<std::string> after;
  for (const auto& e : *rows) after.push_back(e.hash);
  EXPECT_EQ(after, hashes);
  auto report = audit.verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->rowsChecked, 3);
  EXPECT_FALSE(report->firstBadId) << report->reason;

  RotationJournal journal(**db, clock);
  RotationRecord r;
  r.requestKey = "k";
  r.oldTokenId = 42;
  auto begun = journal.begin(r);
  ASSERT_TRUE(begun) << begun.error().message;
  EXPECT_TRUE(begun->created);
}

}  // namespace
}  // namespace patbot::storage
