#include "storage/watcher_store.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using std::chrono::seconds;

class WatcherStoreTest : public ::testing::Test {
 protected:
  void open() {
    store_.reset();
    db_.reset();
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("patbot.db"), db_));
    store_ = std::make_unique<WatcherStore>(*db_, clock_);
  }
  void SetUp() override { open(); }

  patbot::testing::TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-03-01T08:00:00.000Z")};
  std::unique_ptr<Database> db_;
  std::unique_ptr<WatcherStore> store_;
};

TEST_F(WatcherStoreTest, SnapshotIsReplacedAndSurvivesReopen) {
  auto none = store_->loadSnapshot();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->saveSnapshot({{"accounts", {1}}}, clock_.now()));
  clock_.advance(seconds(60));
  ASSERT_TRUE(store_->saveSnapshot({{"accounts", {1, 2}}}, clock_.now()));
  open();
  auto snap = store_->loadSnapshot();
  ASSERT_TRUE(snap && snap->has_value());
  EXPECT_EQ((*snap)->inventory["accounts"].size(), 2u);
  EXPECT_EQ(formatTimestamp((*snap)->takenAt), "2026-03-01T08:01:00.000Z");
}

TEST_F(WatcherStoreTest, DigestRecordsAnnouncementsAndQueuesMessagesInOrder) {
  ASSERT_TRUE(store_->recordDigest({{101, "30"}, {101, "14"}, {7, "expired"}}, "C1",
                                   {{{"text", "first"}}, {{"text", "second"}}}));
  // Announcing a pair again keeps it; an empty channel queues nothing.
  ASSERT_TRUE(store_->recordDigest({{101, "30"}, {8, "7"}}, "", {{{"text", "dropped"}}}));
  open();
  auto ann = store_->announcements();
  ASSERT_TRUE(ann);
  EXPECT_EQ((*ann)[101], (std::set<std::string>{"14", "30"}));
  EXPECT_EQ((*ann)[7], (std::set<std::string>{"expired"}));
  EXPECT_EQ((*ann)[8], (std::set<std::string>{"7"}));
  auto pending = store_->pendingNotices();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].message["text"], "first");
  EXPECT_EQ((*pending)[1].message["text"], "second");
  EXPECT_EQ((*pending)[0].channel, "C1");
  EXPECT_EQ(*store_->pendingCount(), 2);
}

TEST_F(WatcherStoreTest, FailedAttemptsBackOffAndSentNoticesAreNotReturned) {
  ASSERT_TRUE(store_->recordDigest({}, "C1", {{{"text", "a"}}, {{"text", "b"}}}));
  auto pending = *store_->pendingNotices();
  ASSERT_TRUE(store_->markFailed(pending[0].id, clock_.now() + seconds(30), "Slack down"));
  auto again = *store_->pendingNotices();
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[0].nextAttemptAt, clock_.now() + seconds(30));
  ASSERT_TRUE(store_->markSent(pending[0].id));
  open();
  auto left = *store_->pendingNotices();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].message["text"], "b");
  EXPECT_EQ(*store_->pendingCount(), 1);
}

TEST_F(WatcherStoreTest, NoSecretShapedTextIsStored) {
  ASSERT_TRUE(store_->recordDigest({}, "C1", {{{"text", "oops glpat-abcdefghijklmnop"}}}));
  ASSERT_TRUE(store_->saveSnapshot({{"note", "glpat-abcdefghijklmnop"}}, clock_.now()));
  EXPECT_EQ((*store_->pendingNotices())[0].message["text"], "oops glpat-[redacted]");
  EXPECT_EQ((**store_->loadSnapshot()).inventory["note"], "glpat-[redacted]");
}

TEST_F(WatcherStoreTest, TrackingIssuesAreRememberedPerToken) {
  EXPECT_FALSE(store_->trackingIssue(101)->has_value());
  ASSERT_TRUE(store_->saveTrackingIssue({101, "sec/team", 263, "opened", "http://g/sec/team/-/issues/263"}));
  ASSERT_TRUE(store_->saveTrackingIssue({101, "sec/team", 263, "closed", "http://g/sec/team/-/issues/263"}));
  open();
  auto issue = store_->trackingIssue(101);
  ASSERT_TRUE(issue && issue->has_value());
  EXPECT_EQ((*issue)->iid, 263);
  EXPECT_EQ((*issue)->state, "closed");
  EXPECT_EQ((*issue)->project, "sec/team");
}

TEST_F(WatcherStoreTest, SchemaVersionThreeHasTheWatcherTables) {
  EXPECT_GE(db_->schemaVersion(), 3);
  for (const char* t : {"watcher_snapshot", "watcher_announcements", "watcher_outbox", "tracking_issues"}) {
    EXPECT_TRUE(db_->db().tableExists(t)) << t;
  }
}

}  // namespace
}  // namespace patbot::storage
