#include "storage/sqlite_audit_store.h"

#include <atomic>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/audit_hash.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using patbot::testing::TempDir;

AuditQuery query(int limit, std::optional<std::string> target = std::nullopt,
                 std::optional<std::string> actor = std::nullopt,
                 std::optional<std::string> since = std::nullopt) {
  AuditQuery q;
  q.limit = limit;
  q.target = std::move(target);
  q.actor = std::move(actor);
  q.since = std::move(since);
  return q;
}

AuditRecord rec(std::string actor, std::string action, std::string target,
                nlohmann::json detail = nlohmann::json::object()) {
  AuditRecord r;
  r.actor = std::move(actor);
  r.action = std::move(action);
  r.target = std::move(target);
  r.outcome = "ok";
  r.detail = std::move(detail);
  r.requestId = "req";
  return r;
}

class StorageAuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("audit.db"), db_));
    store_ = std::make_unique<SqliteAuditStore>(*db_, clock_);
  }

  void appendMany(int n) {
    for (int i = 0; i < n; ++i) {
      auto id = store_->append(rec("U" + std::to_string(i % 3), "command.status",
                                   "tok-" + std::to_string(i % 5), {{"i", i}}));
      ASSERT_TRUE(id) << id.error().detail;
      clock_.advance(1s);
    }
  }

  // A second connection, as a tamperer with the sqlite3 CLI would have.
  SQLite::Database raw() { return SQLite::Database(dir_.file("audit.db"), SQLite::OPEN_READWRITE); }

  // A tamperer's `sql` (one or more statements) on a second connection, after dropping
  // `trigger`, the one that keeps the table append-only against it (audit_no_update or
  // audit_no_delete).
  void tamper(const char* trigger, const std::string& sql) {
    auto conn = raw();
    conn.exec(std::string("DROP TRIGGER ") + trigger);
    conn.exec(sql);
  }

  // What verify() says of the chain: "intact, rows checked: N", "row N: REASON" where it first
  // breaks, or "error: ..." when the trail cannot be read.
  std::string verdict() {
    auto v = store_->verify();
    if (!v) return "error: " + v.error().detail;
    if (v->firstBadId) return "row " + std::to_string(*v->firstBadId) + ": " + v->reason;
    return "intact, rows checked: " + std::to_string(v->rowsChecked);
  }

  TempDir dir_;
  FakeClock clock_{*parseTimestamp("2025-03-01T10:00:00Z")};
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditStore> store_;
};

TEST_F(StorageAuditStoreTest, AppendReturnsConsecutiveIdsAndStampsClock) {
  auto a = store_->append(rec("U1", "command.status", ""));
  clock_.advance(1500ms);
  auto b = store_->append(rec("U2", "command.rotate", "42"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, 1);
  EXPECT_EQ(*b, 2);
  auto rows = store_->latest({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, 2);
  EXPECT_EQ((*rows)[0].ts, "2025-03-01T10:00:01.500Z");
  EXPECT_EQ((*rows)[1].ts, "2025-03-01T10:00:00.000Z");
  EXPECT_EQ((*rows)[1].prevHash, kGenesisHash);
  EXPECT_EQ((*rows)[0].prevHash, (*rows)[1].hash);
  EXPECT_EQ((*rows)[1].hash, auditHash(kGenesisHash, (*rows)[1]));
  EXPECT_EQ((*rows)[0].record.actor, "U2");
  EXPECT_EQ((*rows)[0].record.action, "command.rotate");
  EXPECT_EQ((*rows)[0].record.target, "42");
  EXPECT_EQ((*rows)[0].record.outcome, "ok");
  EXPECT_EQ((*rows)[0].record.requestId, "req");
}

TEST_F(StorageAuditStoreTest, LatestIsNewestFirstWithLimit) {
  appendMany(30);
  auto rows = store_->latest(query(5));
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*rows)[i].id, 30 - i);
  auto def = store_->latest({});
  ASSERT_TRUE(def);
  EXPECT_EQ(def->size(), 20u);
}

TEST_F(StorageAuditStoreTest, LatestFilters) {
  appendMany(30);  // row i (id i+1): actor U(i%3), target tok-(i%5), ts base + i s
  auto byTarget = store_->latest(query(100, "tok-2"));
  ASSERT_TRUE(byTarget);
  ASSERT_EQ(byTarget->size(), 6u);
  for (const auto& e : *byTarget) EXPECT_EQ(e.record.target, "tok-2");
  EXPECT_EQ(byTarget->front().id, 28);

  auto byActor = store_->latest(query(100, std::nullopt, "U1"));
  ASSERT_TRUE(byActor);
  EXPECT_EQ(byActor->size(), 10u);
  for (const auto& e : *byActor) EXPECT_EQ(e.record.actor, "U1");

  auto both = store_->latest(query(100, "tok-0", "U0"));
  ASSERT_TRUE(both);
  ASSERT_EQ(both->size(), 2u);  // i = 0 and 15
  EXPECT_EQ((*both)[0].id, 16);
  EXPECT_EQ((*both)[1].id, 1);

  auto since = store_->latest(query(100, std::nullopt, std::nullopt, "2025-03-01T10:00:25Z"));
  ASSERT_TRUE(since);
  ASSERT_EQ(since->size(), 5u);
  EXPECT_EQ(since->back().id, 26);

  auto sinceOffset =
      store_->latest(query(100, std::nullopt, std::nullopt, "2025-03-01T11:00:25+01:00"));
  ASSERT_TRUE(sinceOffset);
  EXPECT_EQ(sinceOffset->size(), 5u);

  auto none = store_->latest(query(100, "nope"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(StorageAuditStoreTest, LatestRejectsBadQueries) {
  for (int limit : {0, -1, 1001}) {
    auto r = store_->latest(query(limit));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  }
  EXPECT_TRUE(store_->latest(query(1000)));
  auto r = store_->latest(query(20, std::nullopt, std::nullopt, "yesterday"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(StorageAuditStoreTest, LatestByTokenIdFindsTargetAndRotationDetail) {
  ASSERT_TRUE(store_->append(rec("U1", "command.revoke", "101")));
  ASSERT_TRUE(store_->append(rec("U1", "rotation.create", "bot/name", {{"old_token_id", 101}, {"new_token_id", 202}})));
  ASSERT_TRUE(store_->append(rec("U1", "rotation.revoke", "bot/name", {{"token_id", 202}})));
  ASSERT_TRUE(store_->append(rec("U1", "command.revoke", "1010", {{"token_id", 1010}})));
  AuditQuery q;
  q.limit = 100;
  q.tokenId = 101;
  auto old = store_->latest(q);
  ASSERT_TRUE(old);
  ASSERT_EQ(old->size(), 2u);
  EXPECT_EQ((*old)[0].record.action, "rotation.create");
  EXPECT_EQ((*old)[1].record.action, "command.revoke");
  q.tokenId = 202;
  auto fresh = store_->latest(q);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->size(), 2u);
  q.tokenId = 7;
  auto none = store_->latest(q);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(StorageAuditStoreTest, DetailRoundTripsUnicode) {
  nlohmann::json detail = {{"name", "Ünïcødé ✓ 日本語 🚀"},
                           {"nested", {{"list", {1, 2.5, "x"}}, {"null", nullptr}}},
                           {"quote", "a\"b\\c\n"}};
  ASSERT_TRUE(store_->append(rec("U1", "x", "y", detail)));
  auto rows = store_->latest({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().record.detail, detail);
  EXPECT_EQ(rows->front().record.detail["name"].get<std::string>(), "Ünïcødé ✓ 日本語 🚀");
  EXPECT_EQ(verdict(), "intact, rows checked: 1");
}

TEST_F(StorageAuditStoreTest, EmptyTrailVerifies) { EXPECT_EQ(verdict(), "intact, rows checked: 0"); }

TEST_F(StorageAuditStoreTest, VerifyPassesOnThousandRows) {
  appendMany(1000);
  EXPECT_EQ(verdict(), "intact, rows checked: 1000");
}

TEST_F(StorageAuditStoreTest, VerifyFindsAlteredRow) {
  appendMany(1000);
  EXPECT_THROW(raw().exec("UPDATE audit SET detail = '{\"i\":0}' WHERE id = 500"),
               SQLite::Exception);
  tamper("audit_no_update", "UPDATE audit SET detail = '{\"i\":0}' WHERE id = 500");
  auto v = store_->verify();
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->firstBadId);
  EXPECT_EQ(*v->firstBadId, 500);
  EXPECT_EQ(v->reason, "hash mismatch");
  EXPECT_EQ(v->rowsChecked, 500);
}

TEST_F(StorageAuditStoreTest, VerifyFindsRehashedRowByItsSuccessor) {
  appendMany(10);
  tamper("audit_no_update", "UPDATE audit SET actor = 'evil' WHERE id = 5");
  // The tamperer recomputes row 5's own hash; row 6 still points at the old one.
  auto rows = store_->latest(query(10));
  ASSERT_TRUE(rows);
  const AuditEntry& row5 = (*rows)[5];
  ASSERT_EQ(row5.id, 5);
  {
    auto conn = raw();
    SQLite::Statement up(conn, "UPDATE audit SET hash = ? WHERE id = 5");
    up.bind(1, auditHash(row5.prevHash, row5));
    up.exec();
  }
  EXPECT_EQ(verdict(), "row 6: prev_hash does not match row 5");
}

TEST_F(StorageAuditStoreTest, VerifyFindsDeletedMiddleRow) {
  appendMany(20);
  tamper("audit_no_delete", "DELETE FROM audit WHERE id = 10");
  const std::string broken = verdict();
  EXPECT_EQ(broken.rfind("row 11: ", 0), 0u) << broken;
  EXPECT_NE(broken.find("id gap"), std::string::npos) << broken;
  EXPECT_NE(broken.find("10", 8), std::string::npos) << broken;
}

TEST_F(StorageAuditStoreTest, VerifyFindsDeletedTailEvenAfterNewAppends) {
  appendMany(20);
  tamper("audit_no_delete", "DELETE FROM audit WHERE id >= 19");
  EXPECT_EQ(verdict().rfind("row 19: ", 0), 0u) << verdict();

  auto id = store_->append(rec("U1", "x", "y"));
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 21);  // the gap stays visible
  const std::string broken = verdict();
  EXPECT_EQ(broken.rfind("row 21: ", 0), 0u) << broken;
  EXPECT_NE(broken.find("id gap"), std::string::npos) << broken;
}

TEST_F(StorageAuditStoreTest, ConcurrentAppendsKeepAValidChain) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!store_->append(rec("T" + std::to_string(t), "stress", std::to_string(i)))) {
          ++failures;
        }
        if (i % 50 == 0 && !store_->latest(query(5))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto v = store_->verify();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rowsChecked, kThreads * kPerThread);
  EXPECT_FALSE(v->firstBadId) << v->reason;
  for (int t = 0; t < kThreads; ++t) {
    auto rows = store_->latest(query(1000, std::nullopt, "T" + std::to_string(t)));
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->size(), static_cast<size_t>(kPerThread));
  }
}

TEST_F(StorageAuditStoreTest, TwoConnectionsOnOneFileKeepAValidChain) {
  auto other = Database::open(dir_.file("audit.db"));
  ASSERT_TRUE(other);
  SqliteAuditStore second(**other, clock_);
  std::thread a([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(store_->append(rec("A", "x", "")));
  });
  std::thread b([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(second.append(rec("B", "x", "")));
  });
  a.join();
  b.join();
  EXPECT_EQ(verdict(), "intact, rows checked: 200");
}

TEST_F(StorageAuditStoreTest, ALockHeldElsewhereFailsWithinASecondAndTheChainStaysValid) {
  appendMany(3);
  auto other = raw();
  other.exec("BEGIN EXCLUSIVE");
  auto started = std::chrono::steady_clock::now();
  auto id = store_->append(rec("U1", "command.status", ""));
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(id.error().message, "the database is locked");
  EXPECT_LT(waited, 2s) << "a slash command's acknowledgement must still reach Slack within 3 s";
  other.exec("ROLLBACK");
  ASSERT_TRUE(store_->append(rec("U1", "command.status", "")));
  EXPECT_EQ(verdict(), "intact, rows checked: 4");
}

TEST_F(StorageAuditStoreTest, AFullDiskFailsTheAppendAndTheChainStaysValid) {
  appendMany(3);
  // No page may be added: as a full disk, without filling one.
  int pages = db_->db().execAndGet("PRAGMA page_count").getInt();
  db_->db().exec("PRAGMA max_page_count = " + std::to_string(pages));
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    auto id = store_->append(rec("U1", "command.status", "", {{"padding", std::string(2000, 'x')}}));
    if (!id) {
      refused = true;
      EXPECT_EQ(id.error().message, "the disk is full");
    }
  }
  ASSERT_TRUE(refused);
  db_->db().exec("PRAGMA max_page_count = 1073741823");
  ASSERT_TRUE(store_->append(rec("U1", "command.status", "")));
  EXPECT_EQ(verdict().rfind("intact", 0), 0u) << verdict();
}

TEST_F(StorageAuditStoreTest, VerifyWhileAnotherProcessAppendsSeesOneConsistentSnapshot) {
  // `patbot audit verify` runs while `patbot serve` appends: the rows and the id sequence must be
  // read in one snapshot, or a row appended in between reads as a missing row (a broken chain).
  appendMany(3);
  auto other = Database::open(dir_.file("audit.db"));
  ASSERT_TRUE(other);
  SqliteAuditStore writer(**other, clock_);
  std::atomic<bool> stop{false};
  std::atomic<int> failedAppends{0};
  std::thread appender([&] {
    // No ASSERT here: returning early would leave the loop below verifying forever.
    for (int i = 0; i < 400 && !stop; ++i) {
      if (!writer.append(rec("serve", "command.status", ""))) ++failedAppends;
      std::this_thread::sleep_for(200us);
    }
    stop = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int broken = 0;
  std::string reason;
  while (!stop && std::chrono::steady_clock::now() < deadline) {
    auto v = store_->verify();
    if (!v) {
      stop = true;
      appender.join();
      FAIL() << v.error().detail;
    }
    if (v->firstBadId) {
      ++broken;
      reason = v->reason;
    }
  }
  stop = true;
  appender.join();
  EXPECT_EQ(failedAppends, 0);
  EXPECT_EQ(broken, 0) << "verify reported an intact chain as broken: " << reason;
}

// The head published outside the file (issue 13): what the chain alone cannot show.

TEST_F(StorageAuditStoreTest, HeadIsTheNewestRowAndNoneWhileTheTrailIsEmpty) {
  auto empty = store_->head();
  ASSERT_TRUE(empty) << empty.error().detail;
  EXPECT_FALSE(*empty);
  appendMany(5);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  auto newest = store_->latest(query(1));
  ASSERT_TRUE(newest);
  EXPECT_EQ((*h)->id, 5);
  EXPECT_EQ((*h)->hash, (*newest)[0].hash);
  EXPECT_EQ((*h)->hash.size(), 64u);
}

TEST_F(StorageAuditStoreTest, ExpectedHeadPassesWhileTheTrailHoldsItAndGrows) {
  appendMany(10);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  appendMany(5);
  auto v = store_->verify(**h);
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_FALSE(v->firstBadId) << v->reason;
  EXPECT_EQ(v->headMismatch, "");
  EXPECT_EQ(v->rowsChecked, 15);
}

TEST_F(StorageAuditStoreTest, ATruncatedTailWithItsSequenceResetPassesVerifyButNotTheExpectedHead) {
  appendMany(20);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  // A careful tamperer: drops the tail and resets the id sequence, leaving no gap.
  tamper("audit_no_delete",
         "DELETE FROM audit WHERE id >= 15; UPDATE sqlite_sequence SET seq = 14 WHERE name = 'audit'");
  auto plain = store_->verify();
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->firstBadId) << "the chain alone cannot see this: " << plain->reason;

  auto v = store_->verify(**h);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->firstBadId) << v->reason;
  EXPECT_EQ(v->headMismatch,
            "row 20 is missing (the trail ends at row 14): the trail was truncated or replaced");

  // patbot appends on: row 20 exists again, with another hash.
  appendMany(8);
  v = store_->verify(**h);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->firstBadId) << v->reason;
  EXPECT_NE(v->headMismatch.find("row 20's hash is "), std::string::npos) << v->headMismatch;
  EXPECT_NE(v->headMismatch.find("not the expected " + (*h)->hash), std::string::npos) << v->headMismatch;
}

TEST_F(StorageAuditStoreTest, ATruncatedTailLeavingAGapIsReportedBothWays) {
  appendMany(20);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  tamper("audit_no_delete", "DELETE FROM audit WHERE id >= 15");
  auto v = store_->verify(**h);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->firstBadId);
  EXPECT_EQ(*v->firstBadId, 15);
  EXPECT_NE(v->headMismatch.find("row 20 is missing"), std::string::npos) << v->headMismatch;
}

TEST_F(StorageAuditStoreTest, ARewrittenFileIsToldFromThePublishedOne) {
  appendMany(20);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);

  // Another file with a chain of its own, valid in itself: as long, and shorter.
  for (int rows : {25, 12, 0}) {
    TempDir other;
    auto opened = Database::open(other.file("rewritten.db"));
    ASSERT_TRUE(opened);
    SqliteAuditStore forged(**opened, clock_);
    for (int i = 0; i < rows; ++i) ASSERT_TRUE(forged.append(rec("U9", "command.help", "", {{"i", i}})));
    auto v = forged.verify(**h);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->firstBadId) << rows << ": " << v->reason;
    if (rows >= 20) {
      EXPECT_NE(v->headMismatch.find("row 20's hash is "), std::string::npos) << v->headMismatch;
      EXPECT_NE(v->headMismatch.find("rewritten"), std::string::npos) << v->headMismatch;
    } else if (rows > 0) {
      EXPECT_EQ(v->headMismatch,
                "row 20 is missing (the trail ends at row 12): the trail was truncated or replaced");
    } else {
      EXPECT_EQ(v->headMismatch,
                "row 20 is missing (the trail is empty): the trail was emptied or replaced");
    }
  }
}

TEST_F(StorageAuditStoreTest, ExpectedHeadWithAnotherHashOrADeletedRowFails) {
  appendMany(10);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  AuditHead wrong{(*h)->id, std::string(64, 'a')};
  auto v = store_->verify(wrong);
  ASSERT_TRUE(v);
  EXPECT_NE(v->headMismatch.find("row 10's hash is " + (*h)->hash + ", not the expected " + wrong.hash),
            std::string::npos)
      << v->headMismatch;

  AuditHead middle{4, ""};
  {
    auto rows = store_->latest(query(10));
    ASSERT_TRUE(rows);
    middle.hash = (*rows)[6].hash;
    ASSERT_EQ((*rows)[6].id, 4);
  }
  tamper("audit_no_delete", "DELETE FROM audit WHERE id = 4");
  v = store_->verify(middle);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->firstBadId);
  EXPECT_EQ(*v->firstBadId, 5);
  EXPECT_EQ(v->headMismatch, "row 4 is missing (the trail goes on to row 10): it was deleted");
}

TEST_F(StorageAuditStoreTest, AnAlteredRowBeforeTheHeadBreaksTheChainThoughTheHeadRowIsThere) {
  appendMany(10);
  auto h = store_->head();
  ASSERT_TRUE(h && *h);
  tamper("audit_no_update", "UPDATE audit SET actor = 'evil' WHERE id = 3");
  auto v = store_->verify(**h);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->headMismatch, "");
  ASSERT_TRUE(v->firstBadId);
  EXPECT_EQ(*v->firstBadId, 3);
  EXPECT_EQ(v->reason, "hash mismatch");
}

TEST_F(StorageAuditStoreTest, StorageFailureIsAnErrorNotAnException) {
  {
    auto conn = raw();
    conn.exec("DROP TRIGGER audit_no_update");
    conn.exec("DROP TRIGGER audit_no_delete");
    conn.exec("DROP TABLE audit");
  }
  auto id = store_->append(rec("U1", "x", "y"));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, ErrorKind::kStorage);
  auto rows = store_->latest({});
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().kind, ErrorKind::kStorage);
  auto v = store_->verify();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::kStorage);
  auto h = store_->head();
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().kind, ErrorKind::kStorage);
}

}  // namespace
}  // namespace patbot::storage
