// SocketModeEnvelopes and SocketModeReceiver over in-memory WebSockets: what each envelope
// becomes (the same dispatcher as HTTP, once per envelope_id), and the connection rules —
// replacement before closing on a refresh, dead and silent sockets replaced, back-off, Retry-After,
// fatal answers. The end-to-end tests (tests/e2e/socket_mode_e2e_test.cpp) run the same over real
// WebSockets against the fake Slack; these pin the rules deterministically and fast.
#include "bot/socket_mode_receiver.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "handlers/pat_help_handler.h"
#include "slack/block_kit.h"
#include "tests/bot/command_service_fixture.h"

namespace patbot {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One side of an in-memory WebSocket: the test delivers frames and ends it; the receiver reads,
// sends and closes.
struct SocketState {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> inbox;
  std::vector<std::string> sent;
  bool ended = false;
  bool closedByClient = false;
  Error endError;

  void deliver(const std::string& text) {
    std::lock_guard lock(mutex);
    inbox.push_back(text);
    changed.notify_all();
  }
  void end(ErrorKind kind, const std::string& why) {
    std::lock_guard lock(mutex);
    if (ended) return;
    ended = true;
    endError = Error::make(kind, why);
    changed.notify_all();
  }
  std::vector<std::string> sentSoFar() {
    std::lock_guard lock(mutex);
    return sent;
  }
  bool closed() {
    std::lock_guard lock(mutex);
    return closedByClient;
  }
};

class MemorySocket final : public http::WebSocket {
 public:
  explicit MemorySocket(std::shared_ptr<SocketState> s) : s_(std::move(s)) {}
  ~MemorySocket() override { close(); }
  Result<std::string> read() override {
    std::unique_lock lock(s_->mutex);
    s_->changed.wait(lock, [&] { return !s_->inbox.empty() || s_->ended; });
    if (!s_->inbox.empty()) {
      std::string text = std::move(s_->inbox.front());
      s_->inbox.pop_front();
      return text;
    }
    return s_->endError;
  }
  Status send(const std::string& text) override {
    std::lock_guard lock(s_->mutex);
    if (s_->ended) return s_->endError;
    s_->sent.push_back(text);
    s_->changed.notify_all();
    return okStatus();
  }
  void close() override {
    {
      std::lock_guard lock(s_->mutex);
      s_->closedByClient = s_->closedByClient || !s_->ended;
    }
    s_->end(ErrorKind::kUnavailable, "closed locally");
  }

 private:
  std::shared_ptr<SocketState> s_;
};

// Slack's side of every connection the receiver opens, in order; apps.connections.open answers
// from `refusals` first.
struct FakeSlackSide {
  std::mutex mutex;
  std::condition_variable opened;
  std::vector<std::shared_ptr<SocketState>> sockets;
  std::deque<Error> refusals;
  std::vector<std::chrono::steady_clock::time_point> attempts;
  bool helloAtOnce = true;

  SocketModeReceiver::OpenUrl openUrl() {
    return [this]() -> Result<std::string> {
      std::lock_guard lock(mutex);
      attempts.push_back(std::chrono::steady_clock::now());
      if (!refusals.empty()) {
        Error e = refusals.front();
        refusals.pop_front();
        return e;
      }
      return std::string("wss://wss.slack.test/link/?ticket=") + std::to_string(attempts.size());
    };
  }
  SocketModeReceiver::Connect connect() {
    return [this](const std::string&) -> Result<std::unique_ptr<http::WebSocket>> {
      auto state = std::make_shared<SocketState>();
      if (helloAtOnce) state->deliver(R"({"type":"hello","num_connections":1})");
      std::lock_guard lock(mutex);
      sockets.push_back(state);
      opened.notify_all();
      return std::unique_ptr<http::WebSocket>(std::make_unique<MemorySocket>(state));
    };
  }
  std::shared_ptr<SocketState> socket(size_t i) {
    std::unique_lock lock(mutex);
    opened.wait_for(lock, 5s, [&] { return sockets.size() > i; });
    return sockets.size() > i ? sockets[i] : nullptr;
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return sockets.size();
  }
  size_t attemptCount() {
    std::lock_guard lock(mutex);
    return attempts.size();
  }
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string slashEnvelope(const std::string& id, const std::string& text, const std::string& user = "U0ALICE001") {
  return json({{"envelope_id", id},
               {"type", "slash_commands"},
               {"accepts_response_payload", true},
               {"payload",
                {{"team_id", "T0PATBOT1"}, {"channel_id", "C0PATBOT01"}, {"user_id", user}, {"command", "/pat"},
                 {"text", text}, {"response_url", "https://hooks.slack.test/commands/T/1/x"},
                 {"trigger_id", "t-" + id}}}})
      .dump();
}

// A command whose immediate answer takes `delay` (as when another process holds the database).
class SlowCommand final : public handlers::Command {
 public:
  explicit SlowCommand(std::chrono::milliseconds delay) : delay_(delay) {}
  Result<handlers::Prepared> prepare(const handlers::CommandRequest&) override {
    std::this_thread::sleep_for(delay_);
    handlers::Prepared p;
    p.ack = slack::textMessage("slow but here");
    return p;
  }

 private:
  std::chrono::milliseconds delay_;
};

class SocketModeTest : public testing::CommandServiceFixture {
 protected:
  SocketModeTest() : CommandServiceFixture(*parseTimestamp("2026-12-06T10:00:00.000Z")) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CommandServiceFixture::SetUp());
    registry_.add("help", "help", "Show this help.", handlers::Role::kReader, false,
                  std::make_unique<handlers::PatHelpHandler>(registry_.usageLines()));
    registry_.add("slow", "slow", "Answers after a while.", handlers::Role::kReader, false,
                  std::make_unique<SlowCommand>(700ms));
    access_.readers = {"*"};
    startService();
    envelopes_ = std::make_unique<SocketModeEnvelopes>(*service_, metrics_, clock_);
  }

  std::unique_ptr<SocketModeReceiver> receiver(SocketModeOptions options = {}) {
    options.backoffBase = 20ms;
    options.backoffMax = 200ms;
    options.workers = 4;
    return std::make_unique<SocketModeReceiver>(slack_.openUrl(), slack_.connect(), *envelopes_, metrics_, options);
  }

  // The acks `socket` received for `envelopeId`.
  static std::vector<json> acksOf(SocketState& socket, const std::string& envelopeId) {
    std::vector<json> out;
    for (const auto& s : socket.sentSoFar()) {
      auto j = json::parse(s);
      if (j.value("envelope_id", "") == envelopeId) out.push_back(j);
    }
    return out;
  }

  size_t auditRowsFor(const std::string& action) {
    size_t n = 0;
    for (const auto& row : auditRows()) n += row.record.action == action ? 1 : 0;
    return n;
  }

  FakeSlackSide slack_;
  std::unique_ptr<SocketModeEnvelopes> envelopes_;
};

TEST_F(SocketModeTest, ASlashCommandIsAnsweredInItsAckLikeOverHttp) {
  auto frame = slack::parseSocketFrame(slashEnvelope("env-1", "help"));
  ASSERT_TRUE(frame.ok());
  auto ack = json::parse(envelopes_->handle(*frame).ack);
  EXPECT_EQ(ack["envelope_id"], "env-1");
  ASSERT_TRUE(ack.contains("payload"));
  EXPECT_EQ(ack["payload"].value("response_type", ""), "ephemeral");
  EXPECT_NE(ack["payload"].dump().find("Show this help"), std::string::npos) << ack.dump();
  EXPECT_EQ(auditRowsFor("command.help"), 1u);
}

TEST_F(SocketModeTest, AnEnvelopeDeliveredTwiceRunsOnceAndGetsTheSameAck) {
  auto frame = slack::parseSocketFrame(slashEnvelope("env-2", "help"));
  ASSERT_TRUE(frame.ok());
  std::string first = envelopes_->handle(*frame).ack;
  frame->retryAttempt = 1;
  frame->retryReason = "timeout";
  std::string again = envelopes_->handle(*frame).ack;
  EXPECT_EQ(first, again);
  EXPECT_EQ(auditRowsFor("command.help"), 1u);
  EXPECT_NE(metrics_.render().find(R"(patbot_socket_envelopes_total{type="slash_commands",outcome="duplicate"} 1)"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(SocketModeTest, EnvelopesPatbotCannotUseAreStillAcknowledged) {
  for (const std::string& text :
       {std::string(R"({"envelope_id":"e-a","type":"events_api","payload":{"event":{"type":"app_mention"}}})"),
        std::string(R"({"envelope_id":"e-b","type":"slash_commands","accepts_response_payload":true,"payload":[]})"),
        std::string(R"({"envelope_id":"e-c","type":"interactive","payload":{"no":"type"}})"),
        std::string(R"({"envelope_id":"e-d","type":"brand_new_type\n","payload":{}})")}) {
    auto frame = slack::parseSocketFrame(text);
    ASSERT_TRUE(frame.ok()) << text;
    auto ack = json::parse(envelopes_->handle(*frame).ack);
    EXPECT_EQ(ack, json({{"envelope_id", frame->envelopeId}})) << text;
  }
  EXPECT_TRUE(auditRows().empty());
  EXPECT_NE(metrics_.render().find(R"(type="other")"), std::string::npos) << "unknown types are one label";
}

TEST_F(SocketModeTest, KeepsTwoConnectionsAndAcksOnTheConnectionTheEnvelopeCameOn) {
  auto r = receiver();
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 2; }));
  auto second = slack_.socket(1);
  second->deliver(slashEnvelope("env-3", "help"));
  ASSERT_TRUE(eventually([&] { return acksOf(*second, "env-3").size() == 1; }));
  EXPECT_TRUE(acksOf(*slack_.socket(0), "env-3").empty());
  EXPECT_TRUE(acksOf(*second, "env-3")[0].contains("payload"));
  r->stop();
  EXPECT_TRUE(slack_.socket(0)->closed());
  EXPECT_TRUE(second->closed());
}

TEST_F(SocketModeTest, ARefreshOpensTheReplacementBeforeClosingAndLosesNothing) {
  slack_.helloAtOnce = false;
  auto r = receiver();
  r->start();
  auto a = slack_.socket(0);
  auto b = slack_.socket(1);
  ASSERT_TRUE(a && b);
  a->deliver(R"({"type":"hello","num_connections":1})");
  b->deliver(R"({"type":"hello","num_connections":2})");
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 2; }));

  a->deliver(R"({"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"h"}})");
  auto c = slack_.socket(2);   // the replacement is asked for at once
  ASSERT_TRUE(c);
  // Until it says hello the leaving connection stays open, and what arrives on it is answered.
  a->deliver(slashEnvelope("env-during", "help"));
  ASSERT_TRUE(eventually([&] { return acksOf(*a, "env-during").size() == 1; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(a->closed()) << "closed before its replacement was ready";
  c->deliver(R"({"type":"hello","num_connections":3})");
  ASSERT_TRUE(eventually([&] { return a->closed(); }));
  EXPECT_EQ(slack_.count(), 3u) << "one replacement, not more";
  EXPECT_EQ(r->openConnections(), 2);
  EXPECT_NE(metrics_.render().find(R"(patbot_socket_reconnects_total{reason="refresh_requested"} 1)"),
            std::string::npos);
  r->stop();
}

TEST_F(SocketModeTest, ADeadSocketIsReplacedAndCounted) {
  auto r = receiver();
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 2; }));
  slack_.socket(0)->end(ErrorKind::kTimeout, "no frame for 10 s: the connection is dead");
  ASSERT_TRUE(eventually([&] { return slack_.count() == 3 && r->openConnections() == 2; }));
  EXPECT_NE(metrics_.render().find(R"(patbot_socket_reconnects_total{reason="dead"} 1)"), std::string::npos)
      << metrics_.render();
  r->stop();
}

TEST_F(SocketModeTest, NoHelloInTimeMeansReplaced) {
  slack_.helloAtOnce = false;
  SocketModeOptions options;
  options.connections = 1;
  options.helloTimeout = 300ms;
  auto r = receiver(options);
  r->start();
  auto first = slack_.socket(0);
  ASSERT_TRUE(first);
  ASSERT_TRUE(eventually([&] { return first->closed(); }, 3s));
  auto second = slack_.socket(1);
  ASSERT_TRUE(second);
  second->deliver(R"({"type":"hello"})");
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 1; }));
  r->stop();
}

TEST_F(SocketModeTest, FatalAnswersStopWithOneSentenceAndNoRetry) {
  slack_.refusals.push_back(Error::make(ErrorKind::kUnauthorized, "Slack refused the app-level token (invalid_auth)"));
  auto r = receiver();
  r->start();
  ASSERT_TRUE(eventually([&] { return r->fatalError().has_value(); }));
  EXPECT_NE(r->fatalError()->find("invalid_auth"), std::string::npos);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(slack_.attemptCount(), 1u);
  EXPECT_EQ(r->openConnections(), 0);
  r->stop();
}

TEST_F(SocketModeTest, LinkDisabledIsFatalAndClosesEverything) {
  auto r = receiver();
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 2; }));
  slack_.socket(1)->deliver(R"({"type":"disconnect","reason":"link_disabled"})");
  ASSERT_TRUE(eventually([&] { return r->fatalError().has_value(); }));
  ASSERT_TRUE(eventually([&] { return slack_.socket(0)->closed() && slack_.socket(1)->closed(); }));
  EXPECT_EQ(slack_.count(), 2u);
  r->stop();
}

TEST_F(SocketModeTest, RetryAfterIsHonouredAndTransientFailuresBackOff) {
  Error limited = Error::make(ErrorKind::kRateLimited, "rate-limited");
  limited.retryAfter = 1s;
  slack_.refusals.push_back(limited);
  slack_.refusals.push_back(Error::make(ErrorKind::kUnavailable, "HTTP 503"));
  SocketModeOptions options;
  options.connections = 1;
  auto r = receiver(options);
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 1; }, 5s));
  std::lock_guard lock(slack_.mutex);
  ASSERT_EQ(slack_.attempts.size(), 3u);
  EXPECT_GE(slack_.attempts[1] - slack_.attempts[0], 1s) << "Retry-After: 1 was not waited for";
  EXPECT_GE(slack_.attempts[2] - slack_.attempts[1], 10ms) << "no back-off after a failure";
}

TEST_F(SocketModeTest, TooManyWebsocketsClosesThatOneAndBacksOff) {
  SocketModeOptions options;
  options.connections = 1;
  auto r = receiver(options);
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 1; }));
  slack_.socket(0)->deliver(R"({"type":"disconnect","reason":"too_many_websockets"})");
  ASSERT_TRUE(eventually([&] { return slack_.socket(0)->closed(); }));
  ASSERT_TRUE(eventually([&] { return slack_.count() == 2 && r->openConnections() == 1; }));
  r->stop();
}

TEST_F(SocketModeTest, ASlowAnswerStillGetsItsAckInTimeAndTheAnswerFollowsByResponseUrl) {
  SocketModeOptions options;
  options.connections = 1;
  options.ackDeadline = 200ms;
  auto r = receiver(options);
  r->start();
  ASSERT_TRUE(eventually([&] { return r->openConnections() == 1; }));
  auto socket = slack_.socket(0);
  auto sent = std::chrono::steady_clock::now();
  socket->deliver(slashEnvelope("env-slow", "slow"));
  ASSERT_TRUE(eventually([&] { return acksOf(*socket, "env-slow").size() == 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 600ms) << "the ack waited for the slow answer";
  EXPECT_FALSE(acksOf(*socket, "env-slow")[0].contains("payload")) << "a bare ack at the deadline";
  ASSERT_TRUE(eventually([&] { return !answersTo("https://hooks.slack.test/commands/T/1/x").empty(); }));
  EXPECT_NE(answersTo("https://hooks.slack.test/commands/T/1/x").find("slow but here"), std::string::npos);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(acksOf(*socket, "env-slow").size(), 1u) << "acknowledged twice";
  EXPECT_NE(metrics_.render().find("patbot_socket_late_answers_total 1"), std::string::npos);
  // A quick answer still travels in its ack.
  socket->deliver(slashEnvelope("env-quick", "help"));
  ASSERT_TRUE(eventually([&] { return acksOf(*socket, "env-quick").size() == 1; }));
  EXPECT_TRUE(acksOf(*socket, "env-quick")[0].contains("payload"));
  r->stop();
}

}  // namespace
}  // namespace patbot
