// Durability (issue 12, hole 4): every commit on a Database reaches the disk before the call that
// made it returns, and concurrent audit appends share one sync (group commit) while keeping the
// hash chain. Syncs are observed through SyncCountingVfs, which counts the WAL file's syncs and
// can hold one at a gate.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/request_dedupe.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "tests/storage/sync_counting_vfs.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using testing::SyncCountingVfs;
using patbot::testing::TempDir;

constexpr auto kWait = 10s;  // generous: the machine may be busy; passing tests never wait this long

AuditRecord rec(const std::string& actor, int i) {
  AuditRecord r;
  r.actor = actor;
  r.action = "command.status";
  r.target = "tok-" + std::to_string(i);
  r.outcome = "accepted";
  r.detail = {{"i", i}};
  r.requestId = actor + "-" + std::to_string(i);
  return r;
}

// Opens the gate and joins the threads when it goes out of scope, so that a failed assertion
// ends the test instead of leaving a thread held (declare it after what the threads use).
struct GateJoiner {
  SyncCountingVfs& vfs;
  std::vector<std::thread> threads;
  ~GateJoiner() {
    vfs.openGate();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

class StorageDurableCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("durable.db"), db_));
    store_ = std::make_unique<SqliteAuditStore>(*db_, clock_);
    // The first commit after the WAL is (re)started also syncs the WAL header, whatever the
    // synchronous setting; start counting after it.
    ASSERT_TRUE(store_->append(rec("warm-up", 0)));
  }

  SyncCountingVfs vfs_;  // before db_: outlives the connection
  TempDir dir_;
  FakeClock clock_{*parseTimestamp("2025-03-01T10:00:00Z")};
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditStore> store_;
};

TEST_F(StorageDurableCommitTest, TheConnectionSyncsEveryCommit) {
  EXPECT_EQ(db_->db().execAndGet("PRAGMA synchronous").getInt(), 2);  // FULL
}

TEST_F(StorageDurableCommitTest, EachAuditAppendIsSyncedBeforeItReturns) {
  const int before = vfs_.walSyncs();
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store_->append(rec("U1", i)));
  EXPECT_EQ(vfs_.walSyncs() - before, 5);

  // An append does not return while its commit's sync is held.
  std::atomic<bool> returned{false};
  GateJoiner appender{vfs_, {}};
  vfs_.closeGate();
  appender.threads.emplace_back([&] {
    EXPECT_TRUE(store_->append(rec("U1", 6)));
    returned = true;
  });
  ASSERT_TRUE(vfs_.waitForHeldSyncs(1, kWait));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load());
  vfs_.openGate();
  appender.threads[0].join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(vfs_.walSyncs() - before, 6);
}

TEST_F(StorageDurableCommitTest, EachJournalStepAndRequestKeyIsSynced) {
  RotationJournal journal(*db_, clock_);
  RotationRecord planned;
  planned.requestKey = "trigger-1";
  planned.actor = "U1";
  planned.account = "inventory-bot";
  planned.accountId = 77;
  planned.tokenName = "Inventory";
  planned.oldTokenId = 41;

  int before = vfs_.walSyncs();
  auto begun = journal.begin(planned);
  ASSERT_TRUE(begun) << begun.error().detail;
  EXPECT_EQ(vfs_.walSyncs() - before, 1);

  before = vfs_.walSyncs();
  auto moved = journal.transition(begun->record.id, RotationState::kPlanned, "create", "start",
                                  RotationState::kCreating);
  ASSERT_TRUE(moved) << moved.error().detail;
  EXPECT_TRUE(*moved);
  EXPECT_EQ(vfs_.walSyncs() - before, 1);

  before = vfs_.walSyncs();
  ASSERT_TRUE(journal.finish(begun->record.id, RotationState::kRolledBack));
  EXPECT_EQ(vfs_.walSyncs() - before, 1);

  RequestDedupe dedupe(*db_, clock_);
  before = vfs_.walSyncs();
  auto first = dedupe.firstTime("trigger-2");
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(*first);
  EXPECT_EQ(vfs_.walSyncs() - before, 1);
}

// While one append's sync is held (it holds the write lock), kWaiting others queue; when it is
// let through, one of them commits all of them in one transaction: one more sync, not kWaiting.
// Each caller gets the id of its own row, and the chain stays valid.
TEST_F(StorageDurableCommitTest, QueuedAppendsShareOneSyncAndKeepTheChain) {
  constexpr int kWaiting = 6;
  const int before = vfs_.walSyncs();
  std::vector<Result<int64_t>> ids(kWaiting, Result<int64_t>(int64_t{0}));
  GateJoiner appenders{vfs_, {}};
  vfs_.closeGate();
  appenders.threads.emplace_back([&] { EXPECT_TRUE(store_->append(rec("first", 1))); });
  ASSERT_TRUE(vfs_.waitForHeldSyncs(1, kWait));

  for (int t = 0; t < kWaiting; ++t) {
    appenders.threads.emplace_back([&, t] { ids[t] = store_->append(rec("T" + std::to_string(t), t)); });
  }
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (store_->queued() < kWaiting && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(store_->queued(), static_cast<size_t>(kWaiting));
  EXPECT_EQ(vfs_.walSyncs(), before);  // nothing synced yet: the first commit is held

  vfs_.openGate();
  for (auto& th : appenders.threads) th.join();
  EXPECT_EQ(vfs_.walSyncs() - before, 2);

  std::vector<int64_t> seen;
  for (int t = 0; t < kWaiting; ++t) {
    ASSERT_TRUE(ids[t]) << ids[t].error().detail;
    AuditQuery own;
    own.limit = 10;
    own.actor = "T" + std::to_string(t);
    auto rows = store_->latest(own);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].id, *ids[t]) << "caller " << t << " got another caller's id";
    seen.push_back(*ids[t]);
  }
  std::sort(seen.begin(), seen.end());
  for (int t = 0; t < kWaiting; ++t) EXPECT_EQ(seen[t], 3 + t);  // 1 warm-up, 2 first, then the batch

  auto v = store_->verify();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rowsChecked, 2 + kWaiting);
  EXPECT_FALSE(v->firstBadId) << v->reason;
}

// Many threads appending at once: fewer syncs than rows (batches form by themselves), every row
// present once, each thread's rows in the order it appended them, chain valid.
TEST_F(StorageDurableCommitTest, ConcurrentAppendsBatchAndKeepEachCallersOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  const int before = vfs_.walSyncs();
  std::vector<std::vector<int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = store_->append(rec("T" + std::to_string(t), i));
        ASSERT_TRUE(id) << id.error().detail;
        ids[t].push_back(*id);
      }
    });
  }
  for (auto& th : threads) th.join();
  const int syncs = vfs_.walSyncs() - before;
  EXPECT_GE(syncs, 1);
  EXPECT_LT(syncs, kThreads * kPerThread);

  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(ids[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 1; i < kPerThread; ++i) EXPECT_LT(ids[t][i - 1], ids[t][i]);
    AuditQuery own;
    own.limit = 1000;
    own.actor = "T" + std::to_string(t);
    auto rows = store_->latest(own);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), static_cast<size_t>(kPerThread));
    for (const auto& row : *rows) {  // newest first: row i of the thread has detail {"i": i}
      const int i = row.record.detail.at("i").get<int>();
      EXPECT_EQ(row.id, ids[t][i]);
    }
  }
  auto v = store_->verify();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rowsChecked, 1 + kThreads * kPerThread);
  EXPECT_FALSE(v->firstBadId) << v->reason;
}

}  // namespace
}  // namespace patbot::storage
