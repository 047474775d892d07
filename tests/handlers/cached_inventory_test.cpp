// CachedInventory against a real SQLite file and a FakeClock: one snapshot shared by every reader,
// kept across a restart, and not reused once a token was created or revoked after it was taken.
#include "handlers/cached_inventory.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time_format.h"
#include "storage/database.h"
#include "storage/watcher_store.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::handlers {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// The last token write, as the test sets it.
class TokenWritesDouble final : public TokenWrites {
 public:
  std::optional<TimePoint> lastTokenWrite() const override {
    std::lock_guard lock(mutex_);
    return last_;
  }
  void wrote(TimePoint t) {
    std::lock_guard lock(mutex_);
    last_ = t;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<TimePoint> last_;
};

gitlab::Inventory inventoryOf(std::vector<int64_t> tokenIds) {
  gitlab::AccountTokens account{{11, "deploy-bot", "Deploy"}, {}};
  for (auto id : tokenIds) {
    gitlab::AccessToken t;
    t.id = id;
    t.name = "token-" + std::to_string(id);
    t.scopes = {"read_api"};
    t.userId = 11;
    t.active = true;
    t.expiresAt = *parseDate("2026-04-01");
    account.tokens.push_back(t);
  }
  return gitlab::Inventory{{account}, 3};
}

std::vector<int64_t> idsOf(const InventorySnapshot& s) {
  std::vector<int64_t> ids;
  for (const auto& a : s.inventory.accounts) {
    for (const auto& t : a.tokens) ids.push_back(t.id);
  }
  return ids;
}

class CachedInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override { restart(); }

  // Re-opens the database and builds a new cache: what a restart of patbot does.
  void restart() {
    cache_.reset();
    store_.reset();
    db_.reset();
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("patbot.db"), db_));
    store_ = std::make_unique<storage::WatcherStore>(*db_, clock_);
    cache_ = std::make_unique<CachedInventory>(*store_, clock_, &writes_);
  }

  patbot::testing::TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-03-02T10:00:00.000Z")};
  TokenWritesDouble writes_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::WatcherStore> store_;
  std::unique_ptr<CachedInventory> cache_;
};

TEST_F(CachedInventoryTest, NothingBeforeTheFirstScan) {
  EXPECT_FALSE(cache_->latest());
  EXPECT_FALSE(cache_->reusable());
}

TEST_F(CachedInventoryTest, OneScanIsSharedByEveryReaderWithItsAgeAtReadTime) {
  const TimePoint taken = clock_.now();
  cache_->save(inventoryOf({101, 102}), taken);
  clock_.advance(minutes(2));
  // The watcher (latest) and /pat status (reusable) read the same scan.
  auto forWatcher = cache_->latest();
  auto forStatus = cache_->reusable();
  ASSERT_TRUE(forWatcher);
  ASSERT_TRUE(forStatus);
  EXPECT_EQ(idsOf(*forWatcher), (std::vector<int64_t>{101, 102}));
  EXPECT_EQ(idsOf(*forStatus), idsOf(*forWatcher));
  EXPECT_EQ(forStatus->takenAt, taken);
  EXPECT_EQ(forStatus->age, minutes(2));
  EXPECT_EQ(forStatus->inventory.requests, 3);

  cache_->save(inventoryOf({101}), clock_.now());   // the next scan replaces it for both
  EXPECT_EQ(idsOf(*cache_->latest()), std::vector<int64_t>{101});
  EXPECT_EQ(cache_->reusable()->age, seconds(0));
}

TEST_F(CachedInventoryTest, ReadersOnOtherThreadsSeeWholeScans) {
  cache_->save(inventoryOf({101}), clock_.now());
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([this] {
      for (int i = 0; i < 200; ++i) {
        auto s = cache_->reusable();
        ASSERT_TRUE(s);
        auto ids = idsOf(*s);
        EXPECT_TRUE(ids == std::vector<int64_t>{101} || ids == (std::vector<int64_t>{101, 102})) << ids.size();
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    cache_->save(i % 2 ? inventoryOf({101}) : inventoryOf({101, 102}), clock_.now());
  }
  for (auto& t : readers) t.join();
}

TEST_F(CachedInventoryTest, AScanTakenBeforeATokenWriteIsNotReusedButStaysTheLatest) {
  const TimePoint taken = clock_.now();
  cache_->save(inventoryOf({101}), taken);
  clock_.advance(seconds(30));
  writes_.wrote(clock_.now());   // e.g. /pat revoke
  EXPECT_FALSE(cache_->reusable()) << "it still lists the revoked token as active";
  ASSERT_TRUE(cache_->latest()) << "the watcher's fallback does not depend on token writes";

  clock_.advance(seconds(30));
  cache_->save(inventoryOf({101, 102}), clock_.now());   // the next scan shows the write
  ASSERT_TRUE(cache_->reusable());
  EXPECT_EQ(idsOf(*cache_->reusable()), (std::vector<int64_t>{101, 102}));

  writes_.wrote(clock_.now());   // a write at the very moment of the scan: it may not show
  EXPECT_FALSE(cache_->reusable());
}

TEST_F(CachedInventoryTest, WithoutTokenWritesEveryScanIsReusable) {
  CachedInventory plain(*store_, clock_);
  plain.save(inventoryOf({101}), clock_.now());
  EXPECT_TRUE(plain.reusable());
}

TEST_F(CachedInventoryTest, TheLastScanSurvivesARestart) {
  const TimePoint taken = clock_.now();
  cache_->save(inventoryOf({101, 102}), taken);
  clock_.advance(minutes(3));
  restart();
  auto s = cache_->latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(idsOf(*s), (std::vector<int64_t>{101, 102}));
  EXPECT_EQ(s->takenAt, taken);
  EXPECT_EQ(s->age, minutes(3));
  EXPECT_EQ(s->inventory.accounts.at(0).account.username, "deploy-bot");
  EXPECT_EQ(s->inventory.accounts.at(0).tokens.at(0).expiresAt, parseDate("2026-04-01"));
}

// A project's or group's tokens read back after a restart are still theirs, with their role: /pat
// status and the watcher's stale digest name them as such.
TEST_F(CachedInventoryTest, ProjectAndGroupOwnersSurviveARestartWithTheirKind) {
  gitlab::Inventory inv = inventoryOf({101});
  gitlab::AccountTokens project{{11, "sec/app", "App", gitlab::TokenKind::kProject},
                                inventoryOf({201}).accounts[0].tokens};
  project.tokens[0].accessLevel = 40;
  gitlab::AccountTokens group{{40, "sec", "Security", gitlab::TokenKind::kGroup}, inventoryOf({301}).accounts[0].tokens};
  inv.accounts.push_back(project);
  inv.accounts.push_back(group);
  cache_->save(inv, clock_.now());
  restart();
  auto s = cache_->latest();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->inventory.accounts.size(), 3u);
  const auto& read = s->inventory.accounts;
  EXPECT_EQ(read[0].account.kind, gitlab::TokenKind::kPersonal);
  EXPECT_EQ(read[0].tokens[0].accessLevel, std::nullopt);
  EXPECT_EQ(read[1].account.kind, gitlab::TokenKind::kProject);
  EXPECT_EQ(read[1].account.username, "sec/app");
  EXPECT_EQ(read[1].account.id, 11);
  EXPECT_EQ(read[1].tokens[0].accessLevel, 40);
  EXPECT_EQ(read[2].account.kind, gitlab::TokenKind::kGroup);
  EXPECT_EQ(read[2].account.label(), "group sec");
  EXPECT_EQ(read[2].tokens[0].accessLevel, std::nullopt);
}

// A snapshot stored by a patbot from before project and group tokens reads as service accounts'.
TEST_F(CachedInventoryTest, AnOlderSnapshotReadsAsPersonalTokens) {
  ASSERT_TRUE(store_->saveSnapshot(
      {{"accounts", {{{"account", {{"id", 11}, {"username", "deploy-bot"}, {"name", "Deploy"}}},
                      {"tokens", {{{"id", 101}, {"name", "registry"}, {"scopes", {"api"}}, {"user_id", 11},
                                   {"revoked", false}, {"active", true}, {"expires_at", "2026-04-01"}}}}}}},
       {"requests", 2}},
      clock_.now()));
  restart();
  auto s = cache_->latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->inventory.accounts.at(0).account.kind, gitlab::TokenKind::kPersonal);
  EXPECT_EQ(s->inventory.accounts.at(0).tokens.at(0).id, 101);
  EXPECT_EQ(s->inventory.accounts.at(0).tokens.at(0).accessLevel, std::nullopt);
}

TEST_F(CachedInventoryTest, AnUnreadableStoredScanIsIgnored) {
  ASSERT_TRUE(store_->saveSnapshot({{"accounts", "not a list"}}, clock_.now()));
  restart();
  EXPECT_FALSE(cache_->latest());
}

}  // namespace
}  // namespace patbot::handlers
