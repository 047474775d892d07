// OutboxNotifier against a real SQLite file (re-opened to simulate restarts), a recording Slack
// notifier that can be made to fail, and a FakeClock: order per channel, retries with back-off,
// never twice, an empty channel logged only, a failing database posting once directly.
#include "handlers/outbox_notifier.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "slack/block_kit.h"
#include "storage/database.h"
#include "storage/watcher_store.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::handlers {
namespace {

using std::chrono::seconds;

constexpr const char* kChannel = "C0NOTIFY01";
constexpr const char* kElsewhere = "C0ELSEWHERE";

// Records chat.postMessage calls; fails them while `down` is set or for `downChannel`.
class SlackDouble final : public slack::Notifier {
 public:
  Status respond(const std::string& url, const slack::Message&) override {
    std::lock_guard lock(mutex_);
    responses.push_back(url);
    return okStatus();
  }
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& message) override {
    std::lock_guard lock(mutex_);
    ++attempts;
    if (down || channel == downChannel) return Error::make(ErrorKind::kUnavailable, "Slack is unreachable");
    posted.push_back({channel, message});
    return slack::PostedMessage{channel, std::to_string(posted.size())};
  }
  Status update(const slack::PostedMessage& where, const slack::Message&) override {
    std::lock_guard lock(mutex_);
    updated.push_back(where.ts);
    return okStatus();
  }
  std::vector<std::string> texts() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [channel, m] : posted) out.push_back(m.text);
    return out;
  }

  std::mutex mutex_;
  bool down = false;
  std::string downChannel;
  int attempts = 0;
  std::vector<std::pair<std::string, slack::Message>> posted;
  std::vector<std::string> responses;
  std::vector<std::string> updated;
};

class OutboxNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { restart(); }

  // Re-opens the database and builds a new outbox: what a restart of patbot does.
  void restart() {
    outbox_.reset();
    store_.reset();
    db_.reset();
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("patbot.db"), db_));
    store_ = std::make_unique<storage::WatcherStore>(*db_, clock_);
    outbox_ = std::make_unique<OutboxNotifier>(*store_, slack_, clock_, metrics_, options_);
  }

  int pending() {
    auto n = store_->pendingCount();
    EXPECT_TRUE(n);
    return n ? *n : -1;
  }

  patbot::testing::TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-03-02T10:00:00.000Z")};
  MetricsRegistry metrics_;
  SlackDouble slack_;
  OutboxOptions options_{seconds(30), seconds(15 * 60)};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::WatcherStore> store_;
  std::unique_ptr<OutboxNotifier> outbox_;
};

TEST_F(OutboxNotifierTest, PostsAtOnceAsAChannelMessage) {
  slack::Message m = slack::textMessage("rotated", /*ephemeral=*/true);
  auto posted = outbox_->post(kChannel, m);
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->channel, kChannel);
  EXPECT_EQ(posted->ts, "") << "the outbox never promises a message id";
  ASSERT_EQ(slack_.posted.size(), 1u);
  EXPECT_EQ(slack_.posted[0].first, kChannel);
  EXPECT_EQ(slack_.posted[0].second.text, "rotated");
  EXPECT_FALSE(slack_.posted[0].second.ephemeral);
  EXPECT_EQ(pending(), 0);
}

TEST_F(OutboxNotifierTest, NoticesAreDelayedNotLostAndHoldUpOnlyTheirChannel) {
  slack_.downChannel = kElsewhere;
  EXPECT_TRUE(outbox_->post(kElsewhere, slack::textMessage("first, elsewhere", false)));
  EXPECT_TRUE(outbox_->post(kChannel, slack::textMessage("second, notify channel", false)));
  EXPECT_TRUE(outbox_->post(kElsewhere, slack::textMessage("third, elsewhere", false)));
  // The failing channel does not hold up the other one; its own notices keep their order.
  EXPECT_EQ(slack_.texts(), std::vector<std::string>{"second, notify channel"});
  EXPECT_NE(metrics_.render().find("patbot_watcher_notices_pending 2\n"), std::string::npos);

  slack_.downChannel.clear();
  clock_.advance(seconds(29));
  outbox_->flush();   // still backing off
  EXPECT_EQ(slack_.posted.size(), 1u);
  clock_.advance(seconds(2));
  restart();          // the queue survives a restart
  outbox_->flush();
  EXPECT_EQ(slack_.texts(),
            (std::vector<std::string>{"second, notify channel", "first, elsewhere", "third, elsewhere"}));
  outbox_->flush();
  EXPECT_EQ(slack_.posted.size(), 3u) << "a delivered notice must not be sent again";
  EXPECT_NE(metrics_.render().find("patbot_watcher_notices_pending 0\n"), std::string::npos);
}

TEST_F(OutboxNotifierTest, ARefusedNoticeIsRetriedWithDoublingBackOffUpToTheMaximum) {
  options_ = {seconds(30), seconds(100)};
  restart();
  slack_.down = true;
  ASSERT_TRUE(outbox_->post(kChannel, slack::textMessage("retried", false)));
  EXPECT_EQ(slack_.attempts, 1);
  // Waits after each failed attempt: 30 s, 60 s, then 120 s capped at 100 s.
  for (int wait : {30, 60, 100, 100}) {
    const int before = slack_.attempts;
    clock_.advance(seconds(wait - 1));
    outbox_->flush();
    EXPECT_EQ(slack_.attempts, before) << "attempted before its " << wait << " s back-off";
    clock_.advance(seconds(1));
    outbox_->flush();
    EXPECT_EQ(slack_.attempts, before + 1) << "not attempted after its " << wait << " s back-off";
  }
  slack_.down = false;
  clock_.advance(seconds(100));
  outbox_->flush();
  EXPECT_EQ(slack_.texts(), std::vector<std::string>{"retried"});
  clock_.advance(seconds(1000));
  outbox_->flush();
  EXPECT_EQ(slack_.posted.size(), 1u) << "a delivered notice must not be sent again";
  EXPECT_EQ(pending(), 0);
}

TEST_F(OutboxNotifierTest, ManyThreadsPostingAndFlushingDeliverEachNoticeOnce) {
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(outbox_->post(kChannel, slack::textMessage(fmt::format("{}-{}", t, i), false)));
        outbox_->flush();
      }
    });
  }
  for (auto& th : threads) th.join();
  auto texts = slack_.texts();
  ASSERT_EQ(texts.size(), size_t{kThreads * kEach});
  // Each poster's notices arrive in its order, each once.
  for (int t = 0; t < kThreads; ++t) {
    int next = 0;
    for (const auto& text : texts) {
      if (text.rfind(fmt::format("{}-", t), 0) == 0) {
        EXPECT_EQ(text, fmt::format("{}-{}", t, next++));
      }
    }
    EXPECT_EQ(next, kEach);
  }
  EXPECT_EQ(pending(), 0);
}

TEST_F(OutboxNotifierTest, WithoutAChannelTheMessageIsLoggedOnly) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(8);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("outbox-test", sink));
  auto posted = outbox_->post("", slack::textMessage("nobody to tell", false));
  spdlog::set_default_logger(previous);

  EXPECT_TRUE(posted);
  EXPECT_EQ(slack_.attempts, 0);
  EXPECT_EQ(pending(), 0);
  std::string logged;
  for (const auto& line : sink->last_formatted()) logged += line;
  EXPECT_NE(logged.find("nobody to tell"), std::string::npos) << logged;
}

TEST_F(OutboxNotifierTest, QueuedNoticesWaitForAFlushAndTheirAnnouncementsAreRecordedWithThem) {
  const std::vector<slack::Message> digest{slack::textMessage("digest 1/2", false),
                                           slack::textMessage("digest 2/2", false)};
  ASSERT_TRUE(outbox_->queue(kChannel, digest, {{101, "30"}, {101, "14"}}));
  ASSERT_TRUE(outbox_->queue("", {slack::textMessage("no channel", false)}, {{103, "7"}}));
  EXPECT_TRUE(slack_.posted.empty());
  EXPECT_EQ(pending(), 2) << "an empty channel queues nothing";
  auto announced = store_->announcements();
  ASSERT_TRUE(announced);
  EXPECT_EQ((*announced)[101], (std::set<std::string>{"30", "14"}));
  EXPECT_EQ((*announced)[103], (std::set<std::string>{"7"}));

  outbox_->flush();
  EXPECT_EQ(slack_.texts(), (std::vector<std::string>{"digest 1/2", "digest 2/2"}));
}

TEST_F(OutboxNotifierTest, WhenTheOutboxCannotBeWrittenTheMessageIsPostedOnceDirectly) {
  {
    SQLite::Database raw(dir_.file("patbot.db"), SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE watcher_outbox");
  }
  auto posted = outbox_->post(kChannel, slack::textMessage("direct", true));
  ASSERT_TRUE(posted) << posted.error().message;
  ASSERT_EQ(slack_.posted.size(), 1u);
  EXPECT_EQ(slack_.posted[0].second.text, "direct");
  EXPECT_FALSE(slack_.posted[0].second.ephemeral);
  outbox_->flush();
  EXPECT_EQ(slack_.attempts, 1);

  slack_.down = true;
  EXPECT_FALSE(outbox_->post(kChannel, slack::textMessage("lost", false)))
      << "neither queued nor posted: the caller is told";
}

TEST_F(OutboxNotifierTest, RepliesAndUpdatesGoStraightToSlack) {
  slack_.down = true;   // posts fail; replies and updates are not posts
  EXPECT_TRUE(outbox_->respond("https://hooks.slack.test/1", slack::textMessage("reply")));
  EXPECT_TRUE(outbox_->update({kChannel, "1.000001"}, slack::textMessage("edited")));
  EXPECT_EQ(slack_.responses, std::vector<std::string>{"https://hooks.slack.test/1"});
  EXPECT_EQ(slack_.updated, std::vector<std::string>{"1.000001"});
  EXPECT_EQ(pending(), 0);
}

}  // namespace
}  // namespace patbot::handlers
