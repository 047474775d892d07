// CommandService without a socket: parsed slash commands in, acks and posted messages out.
#include "bot/command_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "handlers/pat_help_handler.h"
#include "handlers/pat_status_handler.h"
#include "slack/block_kit.h"
#include "tests/bot/command_service_fixture.h"
#include "tests/support/recording_gitlab_api.h"

namespace patbot {
namespace {

// Answers the listing calls; any other call fails as unanswered.
class StubGitLab final : public testing::RecordingGitLabApi {
 public:
  Result<std::vector<gitlab::TokenOwner>> listServiceAccounts() override { return std::vector<gitlab::TokenOwner>{}; }
  Result<std::vector<gitlab::AccessToken>> listTokens(const gitlab::TokenOwner&) override {
    return std::vector<gitlab::AccessToken>{};
  }
  Result<gitlab::Inventory> inventory() override {
    if (failWith) return *failWith;
    gitlab::Inventory inv;
    gitlab::AccessToken t;
    t.id = 7;
    t.name = "registry";
    t.scopes = {"api"};
    t.expiresAt = *parseDate("2026-12-05");
    inv.accounts.push_back({{3, "deploy-bot", "Deploy"}, {t}});
    inv.requests = 2;
    return inv;
  }
  Result<gitlab::AccessToken> selfToken() override { return gitlab::AccessToken{}; }
  Result<gitlab::AccessToken> tokenSelf(const Secret&) override { return gitlab::AccessToken{}; }
  std::optional<Error> failWith;
};

class CommandServiceTest : public testing::CommandServiceFixture {
 protected:
  CommandServiceTest() : CommandServiceFixture(TimePoint(*parseDate("2026-11-28")) + std::chrono::hours(9)) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CommandServiceFixture::SetUp());
    registry_.add("help", "help", "Show help.", handlers::Role::kReader, false,
                  std::make_unique<handlers::PatHelpHandler>(registry_.usageLines()));
    registry_.add("status", handlers::PatStatusHandler::kUsage, "List tokens.", handlers::Role::kReader, false,
                  std::make_unique<handlers::PatStatusHandler>(gitlab_, clock_, 30, "test"));
    access_.readers = {"U_READER", "U_OTHER"};
    access_.operators = {"U_OP"};
    startService();
  }

  slack::SlashCommand command(std::string user, std::string text) {
    slack::SlashCommand c;
    c.userId = std::move(user);
    c.channelId = "C1";
    c.command = "/pat";
    c.text = std::move(text);
    c.responseUrl = "http://127.0.0.1:1/commands/x";
    return c;
  }

  StubGitLab gitlab_;
};

TEST_F(CommandServiceTest, EmptyTextShowsHelpWithEveryUsage) {
  auto ack = service_->handle(command("U_READER", ""), "req-1");
  auto json = ack.toResponseJson().dump();
  EXPECT_NE(json.find("status [QUERY] [--expiring DAYS] [--all]"), std::string::npos);
  EXPECT_EQ(ack.toResponseJson()["response_type"], "ephemeral");
}

TEST_F(CommandServiceTest, StatusAcksThenPostsTableThroughResponseUrl) {
  auto ack = service_->handle(command("U_READER", "status"), "req-2");
  EXPECT_NE(ack.text.find("Asking GitLab"), std::string::npos);
  auto responses = notifier_.responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].to, "http://127.0.0.1:1/commands/x");
  auto body = responses[0].message.toResponseJson();
  EXPECT_EQ(body["response_type"], "in_channel");
  EXPECT_NE(body.dump().find("deploy-bot"), std::string::npos);
  EXPECT_NE(body.dump().find("expiring"), std::string::npos);
  auto rows = auditRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].record.outcome, "accepted");
  EXPECT_EQ(rows[0].record.outcome, "ok");
  EXPECT_EQ(rows[0].record.requestId, "req-2");
  EXPECT_NE(metrics_.render().find("patbot_commands_total{subcommand=\"status\",outcome=\"ok\"} 1"), std::string::npos);
}

TEST_F(CommandServiceTest, GitLabFailureBecomesAPlainSentence) {
  gitlab_.failWith = Error::make(ErrorKind::kUnauthorized, "GitLab rejected patbot's token (401 Unauthorized)");
  service_->handle(command("U_READER", "status"), "req-3");
  auto responses = notifier_.responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_NE(responses[0].message.text.find("GitLab rejected patbot's token"), std::string::npos);
  EXPECT_EQ(auditRows()[0].record.outcome, "error");
}

TEST_F(CommandServiceTest, UnknownSubcommandAndBadFlagsGetUsage) {
  auto unknown = service_->handle(command("U_READER", "frobnicate"), "req-4");
  EXPECT_NE(unknown.text.find("Unknown subcommand"), std::string::npos);
  auto bad = service_->handle(command("U_READER", "status --expiring soon"), "req-5");
  EXPECT_NE(bad.text.find("Usage: `/pat status"), std::string::npos);
  auto quote = service_->handle(command("U_READER", "status \"unbalanced"), "req-6");
  EXPECT_NE(quote.text.find("quote"), std::string::npos);
  EXPECT_TRUE(notifier_.responses().empty());
  auto rows = auditRows();
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) EXPECT_EQ(r.record.outcome, "invalid");
}

TEST_F(CommandServiceTest, ReadersOnlyAndChannelsEnforced) {
  auto denied = service_->handle(command("U_STRANGER", "status"), "req-7");
  EXPECT_NE(denied.text.find("reader"), std::string::npos);
  EXPECT_NE(denied.text.find("U_STRANGER"), std::string::npos);
  auto op = service_->handle(command("U_OP", "status"), "req-8");   // operators may read
  EXPECT_NE(op.text.find("Asking GitLab"), std::string::npos);
  access_.channels = {"C_OTHER"};
  auto wrongChannel = service_->handle(command("U_READER", "status"), "req-9");
  EXPECT_NE(wrongChannel.text.find("not enabled in this channel"), std::string::npos);
  int deniedRows = 0;
  for (const auto& r : auditRows()) deniedRows += r.record.outcome == "denied";
  EXPECT_EQ(deniedRows, 2);
}

// Issue 12, hole 7. Stands for a rotation polling its verify pipeline: its work waits until
// released (minutes, in production), on the long lane, as PatRotateHandler's does.
class WaitingRotation final : public handlers::Command {
 public:
  Result<handlers::Prepared> prepare(const handlers::CommandRequest&) override {
    handlers::Prepared p;
    p.ack = slack::textMessage("Preparing the rotation plan…");
    p.lane = handlers::Lane::kLong;
    p.work = [this] {
      std::unique_lock lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
      return handlers::CommandOutput{};
    };
    return p;
  }
  bool waitUntilWaiting(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool released_ = false;
};

class CommandLanesTest : public CommandServiceTest {
 protected:
  // Four rotations waiting on their pipelines, then `/pat status`: how long until its table is
  // posted, or nullopt when it is not within `patience`. The rotations are released afterwards.
  std::optional<std::chrono::milliseconds> statusWhileFourRotationsWait(ThreadPoolExecutor& quick,
                                                                         ThreadPoolExecutor& slow,
                                                                         std::chrono::milliseconds patience) {
    auto* waiting = new WaitingRotation;
    registry_.add("rotate", "rotate TOKEN", "Rotate.", handlers::Role::kOperator, true,
                  std::unique_ptr<handlers::Command>(waiting));
    CommandService service(registry_, access_, *audit_, *dedupe_, quick, slow, notifier_, metrics_, clock_);
    for (int i = 0; i < 4; ++i) service.handle(command("U_OP", "rotate 101"), "rot-" + std::to_string(i));
    // With one shared pool of four workers, the four rotations take all of it.
    EXPECT_TRUE(waiting->waitUntilWaiting(4)) << "the four rotations did not all start";
    auto start = std::chrono::steady_clock::now();
    service.handle(command("U_READER", "status"), "status-1");
    std::optional<std::chrono::milliseconds> answered;
    while (std::chrono::steady_clock::now() - start < patience && !answered) {
      for (const auto& sent : notifier_.responses()) {
        if (sent.message.toResponseJson().dump().find("deploy-bot") != std::string::npos) {
          answered = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    waiting->release();
    quick.drain();
    slow.drain();
    return answered;
  }
};

TEST_F(CommandLanesTest, StatusAnswersWhileFourRotationsWaitOnPipelines) {
  ThreadPoolExecutor commands(4, 1000), rotations(8, 100);   // as `patbot serve` has them
  auto took = statusWhileFourRotationsWait(commands, rotations, std::chrono::seconds(10));
  ASSERT_TRUE(took) << "/pat status got no answer within 10 s while four rotations waited";
  EXPECT_LT(took->count(), 2000);
}

// The hole as it was: one pool of four workers for everything, so four waiting rotations leave
// /pat status queued behind them.
TEST_F(CommandLanesTest, OneSharedPoolStallsStatusBehindWaitingRotations) {
  ThreadPoolExecutor shared(4, 1000);
  EXPECT_FALSE(statusWhileFourRotationsWait(shared, shared, std::chrono::seconds(2)));
}

}  // namespace
}  // namespace patbot
