// The one door (issue 13): slash commands and button clicks go through the same CommandService
// steps — channel, role, at-most-once for mutating requests, the handler's validation, one audit
// row with the real outcome and the token, metrics, the executor, delivery. Handlers here are
// stubs that count what reached them; the audit trail is a real SQLite database.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include <fmt/format.h>

#include "bot/command_service.h"
#include "core/time_format.h"
#include "slack/block_kit.h"
#include "tests/bot/command_service_fixture.h"

namespace patbot {
namespace {

// A button that counts what reached it and answers with a fixed outcome naming token 42.
class CountingAction final : public handlers::Action {
 public:
  explicit CountingAction(std::string outcome = "ok") : outcome_(std::move(outcome)) {}
  Result<handlers::PreparedAction> prepare(const handlers::ActionRequest& request) override {
    ++prepared;
    if (request.value == "bad") return Error::make(ErrorKind::kInvalidInput, "this button names no <rotation>");
    handlers::PreparedAction p;
    p.target = "confirmation:" + request.value;
    p.work = [this] {
      ++ran;
      handlers::CommandOutput out;
      out.outcome = outcome_;
      out.target = "deploy-bot/registry";
      out.tokenId = 42;
      auto m = slack::textMessage("done");
      m.replaceOriginal = true;
      out.messages.push_back(m);
      out.followUp = [this] { repliesAtFollowUp = repliesSoFar ? static_cast<int>(repliesSoFar()) : -1; };
      return out;
    };
    return p;
  }
  std::atomic<int> prepared{0};
  std::atomic<int> ran{0};
  std::function<size_t()> repliesSoFar;        // set by the fixture: answers delivered so far
  std::atomic<int> repliesAtFollowUp{-2};      // what repliesSoFar said when followUp ran

 private:
  std::string outcome_;
};

// A command that records whether the dispatcher confirmed it.
class RecordingCommand final : public handlers::Command {
 public:
  Result<handlers::Prepared> prepare(const handlers::CommandRequest& request) override {
    handlers::Prepared p;
    p.ack = slack::textMessage("working");
    bool confirmed = request.confirmed;
    p.work = [this, confirmed] {
      (confirmed ? ranConfirmed : ranUnconfirmed)++;
      return handlers::CommandOutput{};
    };
    return p;
  }
  std::atomic<int> ranConfirmed{0};
  std::atomic<int> ranUnconfirmed{0};
};

constexpr const char* kOperator = "U_OP";
constexpr const char* kReader = "U_READER";
constexpr const char* kStranger = "U_STRANGER";
constexpr const char* kAllowedChannel = "C_OPS";

class DispatcherTest : public testing::CommandServiceFixture {
 protected:
  DispatcherTest() : CommandServiceFixture(TimePoint(*parseDate("2026-12-06")) + std::chrono::hours(8)) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CommandServiceFixture::SetUp());
    auto revoke = std::make_unique<RecordingCommand>();
    revoke_ = revoke.get();
    auto status = std::make_unique<RecordingCommand>();
    status_ = status.get();
    registry_.add("revoke", "revoke TOKEN [--yes]", "Revoke.", handlers::Role::kOperator, true, std::move(revoke));
    registry_.add("status", "status", "List.", handlers::Role::kReader, false, std::move(status));
    registry_.addAction("op_mutating", handlers::Role::kOperator, true, opMutating_);
    registry_.addAction("op_plain", handlers::Role::kOperator, false, opPlain_);
    registry_.addAction("reader_plain", handlers::Role::kReader, false, readerPlain_);
    registry_.addAction("cancel_like", handlers::Role::kReader, false, cancelled_);
    opMutating_->repliesSoFar = [this] { return notifier_.responses().size(); };
    access_.readers = {kReader};
    access_.operators = {kOperator};
    startService();
  }

  slack::InteractionPayload click(const std::string& user, const std::string& action, const std::string& value,
                                  const std::string& channel = kAllowedChannel, const std::string& actionTs = "1.1") {
    slack::InteractionPayload p;
    p.type = "block_actions";
    p.userId = user;
    p.channelId = channel;
    p.responseUrl = "http://127.0.0.1:1/actions/" + std::to_string(++urls_);
    p.containerMessageTs = "100.1";
    p.actions.push_back({action, "block", value, actionTs});
    return p;
  }

  slack::SlashCommand command(const std::string& user, const std::string& text, const std::string& trigger) {
    slack::SlashCommand c;
    c.userId = user;
    c.channelId = kAllowedChannel;
    c.command = "/pat";
    c.text = text;
    c.triggerId = trigger;
    c.responseUrl = "http://127.0.0.1:1/commands/" + std::to_string(++urls_);
    return c;
  }

  RecordingCommand* revoke_ = nullptr;
  RecordingCommand* status_ = nullptr;
  std::shared_ptr<CountingAction> opMutating_ = std::make_shared<CountingAction>();
  std::shared_ptr<CountingAction> opPlain_ = std::make_shared<CountingAction>("failed");
  std::shared_ptr<CountingAction> readerPlain_ = std::make_shared<CountingAction>();
  std::shared_ptr<CountingAction> cancelled_ = std::make_shared<CountingAction>("cancelled");
  int urls_ = 0;
};

// Every button × every kind of clicker × allowed or not allowed channel: a click reaches its
// handler exactly when the channel and the role allow it, and leaves exactly one audit row whose
// outcome says what happened (never "accepted" for a refused click).
TEST_F(DispatcherTest, EveryButtonEveryClickerEveryChannelGetsTheRealOutcome) {
  struct ActionCase {
    const char* id;
    handlers::Role role;
    CountingAction* handler;
    const char* outcomeWhenRun;
  } actions[] = {{"op_mutating", handlers::Role::kOperator, opMutating_.get(), "ok"},
                 {"op_plain", handlers::Role::kOperator, opPlain_.get(), "failed"},
                 {"reader_plain", handlers::Role::kReader, readerPlain_.get(), "ok"},
                 {"cancel_like", handlers::Role::kReader, cancelled_.get(), "cancelled"}};
  const char* users[] = {kOperator, kReader, kStranger};
  int caseNo = 0;
  for (bool restrictChannels : {false, true}) {
    for (const char* channel : {kAllowedChannel, "C_ELSEWHERE"}) {
      access_.channels = restrictChannels ? std::vector<std::string>{kAllowedChannel} : std::vector<std::string>{};
      for (const auto& a : actions) {
        for (const char* user : users) {
          ++caseNo;
          SCOPED_TRACE(fmt::format("{} by {} in {} (channels {})", a.id, user, channel,
                                   restrictChannels ? "restricted" : "any"));
          int before = a.handler->ran;
          size_t rowsBefore = auditRows().size();
          auto p = click(user, a.id, "c" + std::to_string(caseNo), channel, std::to_string(caseNo) + ".5");
          service_->click(p, "req-" + std::to_string(caseNo));
          auto after = auditRows();
          ASSERT_EQ(after.size(), rowsBefore + 1) << "one audit row per click";
          const auto& row = after[0].record;
          bool channelOk = !restrictChannels || std::string(channel) == kAllowedChannel;
          bool roleOk = std::string(user) == kOperator ||
                        (a.role == handlers::Role::kReader && std::string(user) == kReader);
          EXPECT_EQ(row.action, std::string("interaction.") + a.id);
          EXPECT_EQ(row.actor, user);
          if (channelOk && roleOk) {
            EXPECT_EQ(a.handler->ran, before + 1);
            EXPECT_EQ(row.outcome, a.outcomeWhenRun);
            EXPECT_EQ(row.target, "deploy-bot/registry");
            EXPECT_EQ(row.detail.value("token_id", 0), 42);
            EXPECT_NE(answersTo(p.responseUrl).find("\"replace_original\":true"), std::string::npos);
          } else {
            EXPECT_EQ(a.handler->ran, before) << "a refused click must not run";
            EXPECT_EQ(row.outcome, "denied");
            EXPECT_EQ(row.detail.value("reason", ""), channelOk ? std::string("role:") + handlers::roleName(a.role)
                                                                : std::string("channel"));
            auto answer = answersTo(p.responseUrl);
            EXPECT_NE(answer.find("Nothing was changed"), std::string::npos) << answer;
            EXPECT_NE(answer.find(channelOk ? "Only " : "not enabled in this channel"), std::string::npos) << answer;
          }
        }
      }
    }
  }
  for (const auto& r : auditRows()) EXPECT_NE(r.record.outcome, "accepted");
  EXPECT_NE(metrics_.render().find("patbot_actions_total{action=\"op_mutating\",outcome=\"denied\"}"),
            std::string::npos);
}

TEST_F(DispatcherTest, AnUnknownButtonIsAuditedAsUnsupportedAndAnswered) {
  auto p = click(kOperator, "pat_decide_self_destruct", "1");
  service_->click(p, "req-u");
  auto row = onlyAuditRow();
  EXPECT_EQ(row.outcome, "unsupported");
  EXPECT_EQ(row.action, "interaction.pat_decide_self_destruct");
  EXPECT_NE(answersTo(p.responseUrl).find("does not know this button"), std::string::npos);
  EXPECT_NE(metrics_.render().find("patbot_actions_total{action=\"unknown\",outcome=\"unsupported\"} 1"),
            std::string::npos)
      << "an attacker-chosen action id must not become a metric label";
}

TEST_F(DispatcherTest, AValueTheButtonDoesNotCarryRunsNothing) {
  auto p = click(kOperator, "op_plain", "bad");
  service_->click(p, "req-bad");
  EXPECT_EQ(onlyAuditRow().outcome, "invalid");
  EXPECT_EQ(opPlain_->ran, 0);
  auto answer = answersTo(p.responseUrl);
  EXPECT_NE(answer.find("does not know this button"), std::string::npos);
  EXPECT_NE(answer.find("&lt;rotation&gt;"), std::string::npos) << "the handler's words are escaped: " << answer;
}

// The follow-up (the channel announcement) runs after the clicker's answer is delivered: the
// person who clicked hears first, and a process stopped in between has still answered them.
TEST_F(DispatcherTest, TheFollowUpRunsAfterTheAnswerIsDelivered) {
  service_->click(click(kOperator, "op_mutating", "c1"), "req-1");
  EXPECT_EQ(opMutating_->repliesAtFollowUp, 1);
}

template <typename Rows>
int countOutcome(const Rows& rows, const std::string& outcome) {
  int n = 0;
  for (const auto& row : rows) n += row.record.outcome == outcome;
  return n;
}

// SPEC §3: a mutating request is done at most once however often the same click arrives.
TEST_F(DispatcherTest, TheSameMutatingClickDeliveredTwiceRunsOnce) {
  auto p = click(kOperator, "op_mutating", "c1", kAllowedChannel, "77.7");
  service_->click(p, "req-1");
  service_->click(p, "req-2");
  auto r = auditRows();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(opMutating_->ran, 1);
  EXPECT_EQ(countOutcome(r, "ok"), 1);          // the click that ran
  EXPECT_EQ(countOutcome(r, "duplicate"), 1);   // the second delivery, audited and dropped
  // Another click (another action_ts) on the same button is a new request: the handler decides
  // (a used confirmation says so).
  service_->click(click(kOperator, "op_mutating", "c1", kAllowedChannel, "78.0"), "req-3");
  EXPECT_EQ(opMutating_->ran, 2);
  // A non-mutating button is not deduplicated.
  auto plain = click(kReader, "reader_plain", "c2", kAllowedChannel, "79.0");
  service_->click(plain, "req-4");
  service_->click(plain, "req-5");
  EXPECT_EQ(readerPlain_->ran, 2);
}

// The `mutates` flag is enforced: only a command registered as mutating, asked with --yes, may
// run its change without asking; and then once per trigger_id.
TEST_F(DispatcherTest, OnlyAMutatingCommandWithYesIsConfirmedAndOncePerTrigger) {
  service_->handle(command(kOperator, "revoke 7", "t-1"), "req-1");
  service_->handle(command(kOperator, "status --yes", "t-2"), "req-2");
  EXPECT_EQ(revoke_->ranUnconfirmed, 1);
  EXPECT_EQ(revoke_->ranConfirmed, 0);
  EXPECT_EQ(status_->ranConfirmed, 0) << "a command not registered as mutating is never confirmed";
  EXPECT_EQ(status_->ranUnconfirmed, 1);

  auto first = service_->handle(command(kOperator, "revoke 7 --yes", "t-3"), "req-3");
  auto again = service_->handle(command(kOperator, "revoke 7 --yes", "t-3"), "req-4");
  auto r = auditRows();
  EXPECT_EQ(revoke_->ranConfirmed, 1) << "the same trigger_id twice revokes once";
  EXPECT_EQ(first.text, "working");
  EXPECT_NE(again.text.find("already handled"), std::string::npos) << again.text;
  EXPECT_EQ(countOutcome(r, "duplicate"), 1);

  // A different trigger_id is a new request.
  service_->handle(command(kOperator, "revoke 7 --yes", "t-4"), "req-5");
  EXPECT_EQ(revoke_->ranConfirmed, 2);
}

// Issue 13: the response_url lives 30 minutes from the request's arrival; after that, with a
// bot token, the answer goes through chat.postMessage instead of a dead URL.
TEST_F(DispatcherTest, AnAnswerReadyAfterThirtyMinutesIsPostedToTheChannel) {
  auto c = command(kReader, "status", "t-9");
  std::vector<slack::Message> messages{slack::textMessage("late answer")};
  clock_.advance(std::chrono::minutes(29));
  service_->deliver(c.responseUrl, c.channelId, clock_.now() - std::chrono::minutes(29), messages);
  EXPECT_NE(answersTo(c.responseUrl).find("late answer"), std::string::npos);
  EXPECT_TRUE(notifier_.posts().empty());
  service_->deliver(c.responseUrl, c.channelId, clock_.now() - std::chrono::minutes(30), messages);
  auto posts = notifier_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].to, kAllowedChannel);
  EXPECT_EQ(posts[0].message.text, "late answer");
}

}  // namespace
}  // namespace patbot
