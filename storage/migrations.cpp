#include "storage/migrations.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "storage/sqlite_error.h"

namespace patbot::storage {

const std::vector<Migration>& schemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, R"sql(
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  ts         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  detail     TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_target ON audit(target);
CREATE INDEX audit_actor ON audit(actor);
CREATE INDEX audit_ts ON audit(ts);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql"},
      // Rotation journal (SPEC §5), pending confirmations, processed request keys.
      // Timestamps are formatTimestamp() text (RFC 3339 UTC, milliseconds), so they compare as
      // strings. rotations_one_running keeps one unfinished rotation per old token.
      {2, R"sql(
CREATE TABLE rotations (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  request_key  TEXT NOT NULL UNIQUE,
  actor        TEXT NOT NULL,
  account      TEXT NOT NULL,
  account_id   INTEGER NOT NULL,
  token_name   TEXT NOT NULL,
  old_token_id INTEGER NOT NULL,
  new_token_id INTEGER,
  state        TEXT NOT NULL,
  immediate    INTEGER NOT NULL DEFAULT 0,
  plan         TEXT NOT NULL DEFAULT '{}',
  error        TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  revoke_after TEXT,
  channel_id   TEXT NOT NULL DEFAULT '',
  response_url TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX rotations_one_running ON rotations(old_token_id)
  WHERE state NOT IN ('completed', 'rolled_back', 'failed');
CREATE INDEX rotations_state ON rotations(state, revoke_after);
CREATE TABLE rotation_steps (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  rotation_id INTEGER NOT NULL REFERENCES rotations(id),
  step        TEXT NOT NULL,
  phase       TEXT NOT NULL,
  detail      TEXT NOT NULL,
  ts          TEXT NOT NULL
);
CREATE INDEX rotation_steps_rotation ON rotation_steps(rotation_id, id);
CREATE TABLE confirmations (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  request      TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  used_at      TEXT,
  used_by      TEXT NOT NULL DEFAULT '',
  resolution   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX confirmations_expires ON confirmations(expires_at);
CREATE TABLE processed_requests (
  key        TEXT PRIMARY KEY,
  first_seen TEXT NOT NULL
);
CREATE INDEX processed_requests_first_seen ON processed_requests(first_seen);
)sql"},
      // Expiry watcher (storage/watcher_store.h): last complete inventory, announced thresholds,
      // the outbox of notices, tracking issues. No secret values.
      {3, R"sql(
CREATE TABLE watcher_snapshot (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  taken_at  TEXT NOT NULL,
  inventory TEXT NOT NULL
);
CREATE TABLE watcher_announcements (
  token_id     INTEGER NOT NULL,
  threshold    TEXT NOT NULL,
  announced_at TEXT NOT NULL,
  PRIMARY KEY (token_id, threshold)
);
CREATE TABLE watcher_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  channel         TEXT NOT NULL,
  message         TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  sent_at         TEXT,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX watcher_outbox_unsent ON watcher_outbox(id) WHERE sent_at IS NULL;
CREATE TABLE tracking_issues (
  token_id   INTEGER PRIMARY KEY,
  project    TEXT NOT NULL,
  iid        INTEGER NOT NULL,
  state      TEXT NOT NULL,
  web_url    TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
)sql"},
      // The audit trail by token id (AuditQuery::tokenId): one partial expression index per
      // detail key that names a token; the target part uses audit_target. The indexed
      // expressions are exactly the ones SqliteAuditStore::latest() compares (it names these
      // indexes with INDEXED BY, so a mismatch fails loudly instead of scanning). json_valid()
      // guards the extraction: a detail SQLite cannot parse (nlohmann can write JSON nested
      // deeper than SQLite's 2000 levels) is simply not indexed, rather than failing the append.
      // Only index b-trees are written: the audit rows and their hash chain stay as they are.
      {4, R"sql(
CREATE INDEX audit_old_token_id
  ON audit(CASE WHEN json_valid(detail) THEN json_extract(detail, '$.old_token_id') END)
  WHERE CASE WHEN json_valid(detail) THEN json_extract(detail, '$.old_token_id') END IS NOT NULL;
CREATE INDEX audit_new_token_id
  ON audit(CASE WHEN json_valid(detail) THEN json_extract(detail, '$.new_token_id') END)
  WHERE CASE WHEN json_valid(detail) THEN json_extract(detail, '$.new_token_id') END IS NOT NULL;
CREATE INDEX audit_token_id
  ON audit(CASE WHEN json_valid(detail) THEN json_extract(detail, '$.token_id') END)
  WHERE CASE WHEN json_valid(detail) THEN json_extract(detail, '$.token_id') END IS NOT NULL;
)sql"},
      // The SHA-256 of a rotation's new token value (never the value): recovery compares it with
      // what each consumer holds to finish a delivery a crash interrupted (SPEC §5.3).
      {5, R"sql(
ALTER TABLE rotations ADD COLUMN new_value_sha256 TEXT NOT NULL DEFAULT '';
)sql"},
  };
  return kMigrations;
}

int latestSchemaVersion() {
  const auto& list = schemaMigrations();
  return list.empty() ? 0 : list.back().version;
}

Result<int> currentSchemaVersion(SQLite::Database& db) {
  try {
    if (!db.tableExists("schema_migrations")) return 0;
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.executeStep();
    return q.getColumn(0).getInt();
  } catch (const std::exception& e) {
    return storageError(e, "reading the schema version");
  }
}

Status migrateTo(SQLite::Database& db, const std::vector<Migration>& migrations) {
  const int known = migrations.empty() ? 0 : migrations.back().version;
  int current = 0;
  try {
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, applied_at TEXT)");
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.executeStep();
    current = q.getColumn(0).getInt();
  } catch (const std::exception& e) {
    return storageError(e, "preparing schema migrations");
  }
  if (current > known) {
    return Error::make(
        ErrorKind::kStorage,
        fmt::format("the database schema version {} is newer than this patbot supports ({}); "
                    "upgrade patbot",
                    current, known));
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    try {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement applied(db, "SELECT 1 FROM schema_migrations WHERE version = ?");
      applied.bind(1, m.version);
      if (applied.executeStep()) continue;  // recorded by a concurrent opener meanwhile
      db.exec(m.sql);
      SQLite::Statement rec(db,
                            "INSERT INTO schema_migrations(version, applied_at) "
                            "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
      rec.bind(1, m.version);
      rec.exec();
      tx.commit();
    } catch (const std::exception& e) {
      return storageError(e, fmt::format("applying schema migration {}", m.version));
    }
  }
  return okStatus();
}

}  // namespace patbot::storage
