// Database::WriteLock against a database held by another connection: writers queued behind a
// write that waited out the busy timeout are refused at once with the same error, instead of
// each waiting its own second; a writer arriving afterwards tries SQLite again.
#include <chrono>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/confirmation_store.h"
#include "storage/database.h"
#include "storage/request_dedupe.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "storage/watcher_store.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kLocked = "the database is locked";

class StorageWriteLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("patbot.db"), db_));
  }

  // Another process holding the database, as `sqlite3 patbot.db 'BEGIN EXCLUSIVE'` would.
  SQLite::Database otherConnection() {
    return SQLite::Database(dir_.file("patbot.db"), SQLite::OPEN_READWRITE);
  }

  // Runs every write on its own thread, all released at once; returns their errors ("" for a
  // success) in order and the wall time until the last one returned.
  std::pair<std::vector<Error>, SteadyClock::duration> runTogether(
      const std::vector<std::function<Status()>>& writes) {
    std::vector<Error> errors(writes.size());
    std::latch start(static_cast<std::ptrdiff_t>(writes.size()) + 1);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < writes.size(); ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto st = writes[i]();
        if (!st) errors[i] = st.error();
      });
    }
    start.count_down();
    const auto started = SteadyClock::now();
    for (auto& t : threads) t.join();
    return {errors, SteadyClock::now() - started};
  }

  patbot::testing::TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-01-02T03:04:05Z")};
  std::unique_ptr<Database> db_;
};

template <typename T>
Status status(const Result<T>& r) {
  if (!r) return r.error();
  return okStatus();
}

AuditRecord auditRecord(const std::string& actor) {
  AuditRecord r;
  r.actor = actor;
  r.action = "command.status";
  r.outcome = "accepted";
  r.requestId = "req-" + actor;
  return r;
}

// For writers released together (runTogether) against a database held elsewhere: every one
// failed as locked, and within 2.5 s.
void expectAllLockedQuickly(const std::vector<Error>& errors, SteadyClock::duration took) {
  int notTried = 0;
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].kind, ErrorKind::kStorage) << "writer " << i << ": " << errors[i].detail;
    EXPECT_EQ(errors[i].message, kLocked) << "writer " << i << ": " << errors[i].detail;
    if (errors[i].detail.find("not tried") != std::string::npos) ++notTried;
  }
  // The first waits out the busy timeout, the others queue behind it and are refused when it
  // lets go.
  EXPECT_GE(notTried, 1) << "no writer was refused without waiting its own busy timeout";
  // Each write waiting its own 1 s busy timeout in turn would take N s; a slash command queued
  // behind them would miss Slack's 3 s acknowledgement deadline.
  EXPECT_LT(took, 2500ms) << errors.size() << " queued writers took "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms";
}

TEST_F(StorageWriteLockTest, QueuedWritersBehindALockHeldElsewhereFailTogetherThenWritesResume) {
  RequestDedupe dedupe(*db_, clock_);
  auto other = otherConnection();
  other.exec("BEGIN EXCLUSIVE");

  std::vector<std::function<Status()>> writes;
  for (int i = 0; i < 4; ++i) {
    writes.push_back([&, i] { return status(dedupe.firstTime("key-" + std::to_string(i))); });
  }
  auto [errors, took] = runTogether(writes);
  expectAllLockedQuickly(errors, took);

  other.exec("ROLLBACK");
  // The next writer came after the failure: it is not refused, and nothing makes it wait.
  const auto started = SteadyClock::now();
  auto first = dedupe.firstTime("key-0");
  const auto waited = SteadyClock::now() - started;
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(*first) << "a refused write must not have recorded its key";
  EXPECT_LT(waited, 500ms);
}

TEST_F(StorageWriteLockTest, AWriterQueuedBehindALoopOfWritesIsRefusedAfterTheFirstFailure) {
  // As the watcher's scan writes one row after another: the loop takes the mutex again as soon
  // as it lets go, before the writer queued behind it wakes up; its next writes must not each
  // wait out the busy timeout ahead of that writer.
  RequestDedupe dedupe(*db_, clock_);
  auto other = otherConnection();
  other.exec("BEGIN EXCLUSIVE");

  std::latch looping(1);
  std::vector<Error> loopErrors;
  std::thread loop([&] {
    for (int i = 0; i < 4; ++i) {
      if (i == 0) looping.count_down();
      auto r = dedupe.firstTime("loop-" + std::to_string(i));
      loopErrors.push_back(r ? Error{} : r.error());
    }
  });
  looping.wait();
  std::this_thread::sleep_for(200ms);  // the loop's first write is waiting out the busy timeout
  const auto started = SteadyClock::now();
  auto queued = dedupe.firstTime("queued");
  const auto waited = SteadyClock::now() - started;
  loop.join();

  ASSERT_FALSE(queued);
  EXPECT_EQ(queued.error().message, kLocked) << queued.error().detail;
  EXPECT_LT(waited, 1500ms) << "refused after "
                            << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                            << " ms";
  ASSERT_EQ(loopErrors.size(), 4u);
  for (const auto& e : loopErrors) EXPECT_EQ(e.message, kLocked) << e.detail;
  other.exec("ROLLBACK");
  auto after = dedupe.firstTime("queued");
  ASSERT_TRUE(after) << after.error().detail;
  EXPECT_TRUE(*after);
}

TEST_F(StorageWriteLockTest, EveryStoreRefusesItsQueuedWritersAndTheAuditChainStaysValid) {
  RequestDedupe dedupe(*db_, clock_);
  SqliteAuditStore audit(*db_, clock_);
  WatcherStore watcher(*db_, clock_);
  ConfirmationStore confirmations(*db_, clock_);
  RotationJournal journal(*db_, clock_);
  ASSERT_TRUE(audit.append(auditRecord("U0")));
  auto other = otherConnection();
  other.exec("BEGIN EXCLUSIVE");

  RotationRecord planned;
  planned.requestKey = "trigger-1";
  planned.actor = "U1";
  planned.account = "deploy-bot";
  planned.oldTokenId = 101;
  std::vector<std::function<Status()>> writes = {
      [&] { return status(dedupe.firstTime("trigger-1")); },
      [&] { return status(audit.append(auditRecord("U1"))); },
      [&] { return watcher.saveSnapshot({{"accounts", nlohmann::json::array()}}, clock_.now()); },
      [&] { return status(confirmations.create("rotate", "U1", "C1", {{"token", 101}}, 5min)); },
      [&] { return status(journal.begin(planned)); },
  };
  auto [errors, took] = runTogether(writes);
  expectAllLockedQuickly(errors, took);

  other.exec("ROLLBACK");
  for (size_t i = 0; i < writes.size(); ++i) {
    auto st = writes[i]();
    EXPECT_TRUE(st) << "writer " << i << ": " << st.error().detail;
  }
  // The refused audit row was withdrawn, not written later: U0, then the retried U1 only.
  auto v = audit.verify();
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_EQ(v->rowsChecked, 2);
  EXPECT_FALSE(v->firstBadId) << v->reason;
}

TEST_F(StorageWriteLockTest, WithoutALockHeldElsewhereConcurrentWritersAllSucceed) {
  RequestDedupe dedupe(*db_, clock_);
  SqliteAuditStore audit(*db_, clock_);
  std::vector<std::function<Status()>> writes;
  for (int i = 0; i < 8; ++i) {
    writes.push_back([&, i] {
      for (int n = 0; n < 25; ++n) {
        const std::string key = std::to_string(i) + "-" + std::to_string(n);
        auto first = dedupe.firstTime(key);
        if (!first) return Status(first.error());
        if (auto id = audit.append(auditRecord(key)); !id) return Status(id.error());
      }
      return okStatus();
    });
  }
  auto [errors, took] = runTogether(writes);
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_TRUE(errors[i].message.empty()) << "writer " << i << ": " << errors[i].detail;
  }
  auto v = audit.verify();
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_EQ(v->rowsChecked, 8 * 25);
  EXPECT_FALSE(v->firstBadId) << v->reason;
}

}  // namespace
}  // namespace patbot::storage
