// Opening a test's database, and reading its audit trail back.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/audit_store.h"
#include "storage/database.h"

namespace patbot::testing {

// Opens (creating) the database at `path` (":memory:" for one that lives as long as `db`) with
// every migration applied into `db`. When it cannot be opened: a fatal failure naming the error's
// detail, `db` untouched. Call it under ASSERT_NO_FATAL_FAILURE so that the caller stops too.
void openDatabase(const std::string& path, std::unique_ptr<storage::Database>& db);

// The newest `limit` audit rows, newest first; a test failure (and no rows) when they cannot be read.
std::vector<storage::AuditEntry> latestAuditRows(storage::AuditStore& audit, int limit = 1000);

}  // namespace patbot::testing
