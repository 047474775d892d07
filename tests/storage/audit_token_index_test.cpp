// AuditQuery::tokenId through migration 4's indexes: the same rows as the query it replaced,
// no step that scans the audit table, and an in-place upgrade that leaves the hash chain alone.
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/sqlite_audit_store.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using patbot::testing::TempDir;

constexpr const char* kTokenIndexes[] = {"audit_old_token_id", "audit_new_token_id",
                                         "audit_token_id"};

// Token ids the trail refers to, few so that they collide across targets and detail keys; 1
// also matches a detail `true`, as SQLite compares it.
const std::vector<int64_t> kReferenced = {1, 7, 101, 202, 1010, -101, 9007199254740993LL};
// The ids queried: those and one the trail never mentions.
const std::vector<int64_t> kTokens = {1, 7, 101, 202, 1010, -101, 9007199254740993LL, 42};

// Results as (id, hash): the hash pins every hashed column of the row.
using Rows = std::vector<std::pair<int64_t, std::string>>;

Rows rowsOf(const std::vector<AuditEntry>& entries) {
  Rows out;
  for (const auto& e : entries) out.emplace_back(e.id, e.hash);
  return out;
}

// latest() as it was before migration 4 (storage/sqlite_audit_store.cpp at 1b38adb): one
// statement whose token filter evaluates json_extract on every row.
Rows unindexedLatest(SQLite::Database& db, const AuditQuery& query) {
  std::string sql = "SELECT id, hash FROM audit WHERE 1=1";
  if (query.target) sql += " AND target = :target";
  if (query.tokenId) {
    sql += " AND (target = :token_text OR json_extract(detail, '$.old_token_id') = :token_id"
           " OR json_extract(detail, '$.new_token_id') = :token_id"
           " OR json_extract(detail, '$.token_id') = :token_id)";
  }
  if (query.actor) sql += " AND actor = :actor";
  if (query.since) sql += " AND ts >= :since";
  sql += " ORDER BY id DESC LIMIT :limit";
  SQLite::Statement q(db, sql);
  if (query.target) q.bind(":target", *query.target);
  if (query.tokenId) {
    q.bind(":token_text", std::to_string(*query.tokenId));
    q.bind(":token_id", *query.tokenId);
  }
  if (query.actor) q.bind(":actor", *query.actor);
  if (query.since) q.bind(":since", formatTimestamp(*parseTimestamp(*query.since)));
  q.bind(":limit", query.limit);
  Rows out;
  while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
  return out;
}

// Every column of every audit row, in id order.
std::vector<std::string> auditTable(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT json_array(id, ts, actor, action, target, outcome, detail, "
                      "request_id, prev_hash, hash) FROM audit ORDER BY id");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

// Appends `n` rows that refer to kTokens in every way the token filter looks at, and in ways
// it must not match (nested keys, strings, arrays, non-object details), spaced 1 to 90 s apart.
void appendMixedTrail(SqliteAuditStore& store, FakeClock& clock, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> actors = {"U1", "U2", "U3", "watcher", "cli:alice"};
  const std::vector<std::string> plainTargets = {"", "acct/name", "/slack/commands", "101x"};
  for (int i = 0; i < n; ++i) {
    const int64_t t = pick(kReferenced);
    const int64_t u = pick(kReferenced);
    AuditRecord r;
    r.actor = pick(actors);
    r.outcome = "ok";
    r.requestId = "req-" + std::to_string(i);
    r.action = "command.status";
    r.target = rng() % 4 == 0 ? std::to_string(t) : pick(plainTargets);
    switch (rng() % 16) {
      case 0: r.detail = {{"old_token_id", t}}; r.action = "rotation.create"; break;
      case 1: r.detail = {{"old_token_id", t}, {"new_token_id", u}, {"rotation", i}}; break;
      case 2: r.detail = {{"new_token_id", u}}; break;
      case 3: r.detail = {{"token_id", t}}; r.action = "command.revoke"; break;
      case 4: r.detail = {{"token_id", static_cast<double>(t)}}; break;   // 101.0 = 101
      case 5: r.detail = {{"token_id", std::to_string(t)}}; break;        // "101" != 101
      case 6: r.detail = {{"token_id", true}}; break;                     // true = 1
      case 7: r.detail = {{"token_id", nlohmann::json::array({t})}}; break;  // [101] != 101
      case 8: r.detail = {{"nested", {{"token_id", t}}}}; break;          // not a top-level key
      case 9: r.detail = {{"old_token_id", nullptr}, {"new_token_id", u}}; break;
      case 10: r.detail = nlohmann::json::array({t}); break;
      case 11: r.detail = std::to_string(t); break;
      case 12: r.detail = t; break;
      case 13: r.detail = {{"detail", "rotated"}, {"duration_ms", i}}; break;
      default: r.detail = nlohmann::json::object(); break;
    }
    auto id = store.append(r);
    ASSERT_TRUE(id) << id.error().detail;
    clock.advance(std::chrono::seconds(1 + rng() % 90));
  }
}

// Every combination of the other filters the token filter can be combined with.
std::vector<AuditQuery> tokenQueries(const std::string& midTs) {
  std::vector<AuditQuery> out;
  for (int64_t token : kTokens) {
    for (int limit : {1, 3, 20, 1000}) {
      for (int shape = 0; shape < 6; ++shape) {
        AuditQuery q;
        q.limit = limit;
        q.tokenId = token;
        if (shape == 1) q.actor = "U1";
        if (shape == 2) q.target = "acct/name";
        if (shape == 3) q.target = std::to_string(token);
        if (shape == 4) q.since = midTs;
        if (shape == 5) {
          q.actor = "U2";
          q.since = midTs;
        }
        out.push_back(q);
      }
    }
  }
  return out;
}

std::string describe(const AuditQuery& q) {
  return "token " + std::to_string(*q.tokenId) + " limit " + std::to_string(q.limit) +
         (q.actor ? " actor " + *q.actor : "") + (q.target ? " target " + *q.target : "") +
         (q.since ? " since " + *q.since : "");
}

class StorageAuditTokenIndex : public ::testing::Test {
 protected:
  FakeClock clock_{*parseTimestamp("2025-03-01T10:00:00Z")};
  TempDir dir_;
};

TEST_F(StorageAuditTokenIndex, SameRowsAsTheUnindexedQueryOnAMixedTrail) {
  auto db = Database::open(dir_.file("audit.db"));
  ASSERT_TRUE(db) << db.error().detail;
  SqliteAuditStore store(**db, clock_);
  appendMixedTrail(store, clock_, 1500, 7);
  const std::string mid = formatTimestamp(clock_.now() - 700 * 45s);   // mid-trail

  int compared = 0, cutByLimit = 0, empty = 0;
  for (const auto& q : tokenQueries(mid)) {
    auto got = store.latest(q);
    ASSERT_TRUE(got) << got.error().detail;
    const Rows expected = unindexedLatest((*db)->db(), q);
    EXPECT_EQ(rowsOf(*got), expected) << describe(q);
    ++compared;
    if (expected.empty()) ++empty;
    AuditQuery more = q;
    more.limit = q.limit + 1;
    if (unindexedLatest((*db)->db(), more).size() > expected.size()) ++cutByLimit;
  }
  // The comparison covered the cases that matter: results cut by the limit, and no results.
  EXPECT_EQ(compared, static_cast<int>(kTokens.size()) * 4 * 6);
  EXPECT_GT(cutByLimit, 50);
  EXPECT_GT(empty, 10);
  // Token 42 is never referred to; token 1 is found through a detail `true`, as before.
  AuditQuery q;
  q.limit = 1000;
  q.tokenId = 42;
  auto none = store.latest(q);
  ASSERT_TRUE(none) << none.error().detail;
  EXPECT_TRUE(none->empty());
  q.tokenId = 1;
  auto one = store.latest(q);
  ASSERT_TRUE(one) << one.error().detail;
  EXPECT_FALSE(one->empty());
}

TEST_F(StorageAuditTokenIndex, TokenQueriesNeverScanTheAuditTable) {
  auto db = Database::open(dir_.file("audit.db"));
  ASSERT_TRUE(db) << db.error().detail;
  SqliteAuditStore store(**db, clock_);
  appendMixedTrail(store, clock_, 300, 11);
  const std::string mid = formatTimestamp(clock_.now() - 150 * 45s);
  for (bool analyzed : {false, true}) {
    if (analyzed) (*db)->db().exec("ANALYZE");   // planner statistics must not change the plan
    for (const auto& q : tokenQueries(mid)) {
      auto plan = store.explainLatest(q);
      ASSERT_TRUE(plan) << plan.error().detail;
      ASSERT_FALSE(plan->empty());
      std::string all;
      for (const auto& line : *plan) all += line + "\n";
      for (const auto& line : *plan) {
        // "SCAN audit" is a walk of the whole table; "SCAN (subquery-N)" reads a branch's ids.
        EXPECT_NE(line.rfind("SCAN audit", 0), 0u) << describe(q) << ":\n" << all;
        EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << describe(q) << ":\n" << all;
      }
      EXPECT_NE(all.find("SEARCH audit USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
          << all;
      EXPECT_NE(all.find("INDEX audit_target (target=?)"), std::string::npos) << all;
      for (const char* index : kTokenIndexes) {
        EXPECT_NE(all.find(std::string("SEARCH audit USING INDEX ") + index + " (<expr>=?)"),
                  std::string::npos)
            << index << " in " << describe(q) << ":\n" << all;
      }
    }
  }
}

TEST_F(StorageAuditTokenIndex, AMissingIndexFailsTheQueryInsteadOfScanning) {
  auto db = Database::open(dir_.file("audit.db"));
  ASSERT_TRUE(db) << db.error().detail;
  SqliteAuditStore store(**db, clock_);
  appendMixedTrail(store, clock_, 20, 3);
  (*db)->db().exec("DROP INDEX audit_new_token_id");
  AuditQuery q;
  q.tokenId = 101;
  auto rows = store.latest(q);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().kind, ErrorKind::kStorage);
  EXPECT_NE(rows.error().detail.find("audit_new_token_id"), std::string::npos)
      << rows.error().detail;
  EXPECT_TRUE(store.latest(AuditQuery{}));   // the other shapes do not need it
}

TEST_F(StorageAuditTokenIndex, Migration4UpgradesAnOldDatabaseInPlaceAndTheChainStillVerifies) {
  const auto path = dir_.file("old.db");
  std::vector<Migration> v3;
  for (const auto& m : schemaMigrations()) {
    if (m.version <= 3) v3.push_back(m);
  }
  ASSERT_EQ(v3.size(), 3u);
  ASSERT_GT(latestSchemaVersion(), 3);

  const std::string mid = formatTimestamp(clock_.now() + 600 * 45s);   // mid-trail
  std::vector<Rows> before;
  std::vector<std::string> tableBefore;
  int64_t rowsBefore = 0;
  {
    auto db = Database::open(path, v3);
    ASSERT_TRUE(db) << db.error().detail;
    ASSERT_EQ((*db)->schemaVersion(), 3);
    for (const char* index : kTokenIndexes) {
      EXPECT_FALSE((*db)->db().execAndGet(
          std::string("SELECT COUNT(*) FROM sqlite_master WHERE name = '") + index + "'").getInt());
    }
    SqliteAuditStore store(**db, clock_);
    appendMixedTrail(store, clock_, 1200, 5);
    auto report = store.verify();
    ASSERT_TRUE(report);
    ASSERT_FALSE(report->firstBadId) << report->reason;
    rowsBefore = report->rowsChecked;
    for (const auto& q : tokenQueries(mid)) before.push_back(unindexedLatest((*db)->db(), q));
    tableBefore = auditTable((*db)->db());
  }
  ASSERT_EQ(rowsBefore, 1200);

  auto db = Database::open(path);   // what patbot does at start-up: applies migration 4
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->schemaVersion(), latestSchemaVersion());
  auto& conn = (*db)->db();
  for (const char* index : kTokenIndexes) {
    EXPECT_EQ(conn.execAndGet(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                          "AND tbl_name = 'audit' AND name = '") + index + "'")
                  .getInt(),
              1)
        << index;
  }
  EXPECT_EQ(conn.execAndGet("PRAGMA integrity_check").getString(), "ok");
  // The index holds exactly the rows that name a token under that key.
  EXPECT_EQ(conn.execAndGet("SELECT COUNT(*) FROM audit INDEXED BY audit_old_token_id WHERE "
                            "CASE WHEN json_valid(detail) THEN json_extract(detail, "
                            "'$.old_token_id') END IS NOT NULL").getInt(),
            conn.execAndGet("SELECT COUNT(*) FROM audit NOT INDEXED WHERE "
                            "json_extract(detail, '$.old_token_id') IS NOT NULL").getInt());

  EXPECT_EQ(auditTable(conn), tableBefore);   // not one stored byte of the rows changed
  SqliteAuditStore store(**db, clock_);
  auto report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->firstBadId) << report->reason;
  EXPECT_EQ(report->rowsChecked, rowsBefore);

  const auto queries = tokenQueries(mid);
  for (size_t i = 0; i < queries.size(); ++i) {
    auto got = store.latest(queries[i]);
    ASSERT_TRUE(got) << got.error().detail;
    EXPECT_EQ(rowsOf(*got), before[i]) << describe(queries[i]);
  }

  // Rows appended after the upgrade extend the same chain and are found through the indexes.
  AuditRecord r;
  r.actor = "U9";
  r.action = "rotation.create";
  r.target = "acct/name";
  r.outcome = "ok";
  r.detail = {{"old_token_id", 31337}, {"rotation", 1}};
  r.requestId = "req-after";
  auto id = store.append(r);
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(*id, rowsBefore + 1);
  AuditQuery q;
  q.tokenId = 31337;
  auto found = store.latest(q);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, *id);
  report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->firstBadId) << report->reason;
  EXPECT_EQ(report->rowsChecked, rowsBefore + 1);
}

// Runs `f` on a thread with a 256 MiB stack and waits for it. nlohmann's copy and dump recurse
// once per nesting level; 2,100 levels overflow the 8 MiB main stack in an -O0 AddressSanitizer
// build (scripts/sanitize.sh), where every frame is several times larger.
void onLargeStack(const std::function<void()>& f) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, size_t{256} << 20), 0);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&f)), 0);
  pthread_attr_destroy(&attr);
  pthread_join(thread, nullptr);
}

TEST_F(StorageAuditTokenIndex, ADetailTooDeepForSqliteJsonStillAppendsAndIsNotMatched) {
  onLargeStack([&] {
    auto db = Database::open(dir_.file("audit.db"));
    ASSERT_TRUE(db) << db.error().detail;
    SqliteAuditStore store(**db, clock_);
    nlohmann::json deep = 1;
    for (int i = 0; i < 2100; ++i) deep = nlohmann::json::array({deep});   // SQLite stops at 2000
    AuditRecord r;
    r.actor = "U1";
    r.action = "command.revoke";
    r.target = "77";
    r.outcome = "ok";
    r.detail = {{"token_id", 5}, {"deep", deep}};
    r.requestId = "req";
    ASSERT_TRUE(store.append(r));   // an unguarded json_extract index would refuse the row
    r.detail = {{"token_id", 5}};
    ASSERT_TRUE(store.append(r));
    auto v = store.verify();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->firstBadId) << v->reason;

    AuditQuery q;
    q.tokenId = 5;
    auto rows = store.latest(q);
    ASSERT_TRUE(rows) << rows.error().detail;
    ASSERT_EQ(rows->size(), 1u);   // the deep row's detail is not readable JSON to SQLite
    EXPECT_EQ((*rows)[0].id, 2);
    // The unindexed query failed outright on such a trail.
    EXPECT_THROW(unindexedLatest((*db)->db(), q), SQLite::Exception);
    q.tokenId = 77;
    rows = store.latest(q);
    ASSERT_TRUE(rows) << rows.error().detail;
    EXPECT_EQ(rows->size(), 2u);   // both still found by target
  });
}

}  // namespace
}  // namespace patbot::storage
