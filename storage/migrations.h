// Versioned schema migrations. The database records applied versions in
// schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT). To change the schema, append
// one Migration to the list in migrations.cpp with the next version number; never edit or
// reorder an entry that has shipped.
#pragma once

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "core/result.h"

namespace patbot::storage {

struct Migration {
  int version = 0;  // > 0, strictly increasing along the list
  std::string sql;  // one or more statements, run inside the migration's transaction
};

// The schema this binary knows, in version order.
const std::vector<Migration>& schemaMigrations();

// The highest version in schemaMigrations().
int latestSchemaVersion();

// The highest applied version, 0 for a database without schema_migrations.
Result<int> currentSchemaVersion(SQLite::Database& db);

// Creates schema_migrations if needed, then applies each migration of `migrations` whose version
// is not yet recorded, each in its own transaction (its SQL plus the schema_migrations row), in
// order. Idempotent. Fails with kStorage, changing nothing further, if a migration fails or the
// database records a version newer than the last of `migrations` (a newer patbot wrote it).
// The caller must hold the write lock (or be the only user of `db`). Never throws.
Status migrateTo(SQLite::Database& db, const std::vector<Migration>& migrations);

}  // namespace patbot::storage
