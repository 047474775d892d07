// SlackEndpoints::interactions() (and commands() where it differs): the signature on the raw
// bytes before anything else, the payload read out of the form body, the click handed to the
// CommandService with what Slack sent, and the answers to requests patbot cannot read. Real
// signatures (the verifier's own HMAC), a real audit trail, jobs run inline.
#include "bot/slack_endpoints.h"

#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "http/client.h"
#include "slack/block_kit.h"
#include "slack/signature_verifier.h"
#include "tests/bot/command_service_fixture.h"

namespace patbot {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr const char* kOperator = "U0OPERATOR1";
constexpr const char* kReader = "U0READER001";
constexpr const char* kChannel = "C0PATBOT01";
constexpr const char* kResponseUrl = "https://hooks.slack.test/actions/T0/1/abc";

// A button that writes down every click that reaches it and answers "done".
class RecordingAction final : public handlers::Action {
 public:
  Result<handlers::PreparedAction> prepare(const handlers::ActionRequest& request) override {
    clicks.push_back(request);
    handlers::PreparedAction p;
    p.target = "confirmation:" + request.value;
    p.work = [] {
      handlers::CommandOutput out;
      out.messages.push_back(slack::textMessage("done"));
      return out;
    };
    return p;
  }
  std::vector<handlers::ActionRequest> clicks;
};

// A block_actions payload as Slack sends it for a click on `actionId` by `user`.
json clickPayload(const std::string& user, const std::string& actionId, const std::string& value,
                  const std::string& actionTs = "1700000100.000200") {
  return {{"type", "block_actions"},
          {"user", {{"id", user}, {"username", "alice"}, {"team_id", "T0PATBOT1"}}},
          {"team", {{"id", "T0PATBOT1"}}},
          {"channel", {{"id", kChannel}, {"name", "ops"}}},
          {"container", {{"type", "message"}, {"message_ts", "1700000000.000100"}, {"channel_id", kChannel}}},
          {"trigger_id", "111.222.abc"},
          {"response_url", kResponseUrl},
          {"actions",
           {{{"type", "button"}, {"action_id", actionId}, {"block_id", "pat_rotation"}, {"value", value},
             {"action_ts", actionTs}}}}};
}

std::string formBody(const json& payload) { return "payload=" + http::urlEncode(payload.dump()); }

class SlackEndpointsTest : public testing::CommandServiceFixture {
 protected:
  SlackEndpointsTest() : CommandServiceFixture(*parseTimestamp("2026-11-28T10:00:00.000Z")) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CommandServiceFixture::SetUp());
    registry_.addAction("pat_confirm", handlers::Role::kOperator, true, confirm_);
    access_.operators = {kOperator};
    access_.readers = {kReader};
    startService();
    endpoints_ = std::make_unique<SlackEndpoints>(verifier_, *service_, *audit_, metrics_, clock_);
  }

  // A POST to `path` with `body`, signed now with the signing secret (as Slack does).
  http::Request signedPost(std::string body, const std::string& path = "/slack/interactions") {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.remote = "203.0.113.9";
    r.headers["content-type"] = "application/x-www-form-urlencoded";
    const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());
    r.headers["x-slack-request-timestamp"] = ts;
    r.headers["x-slack-signature"] = slack::computeSignature(Secret(kSigningSecret), ts, body);
    r.body = std::move(body);
    return r;
  }

  // The audit rows written for refused requests.
  std::vector<storage::AuditRecord> rejectedRows() {
    std::vector<storage::AuditRecord> out;
    for (const auto& e : auditRows()) {
      if (e.record.action == "request.rejected") out.push_back(e.record);
    }
    return out;
  }

  slack::SignatureVerifier verifier_{Secret(kSigningSecret), clock_};
  std::shared_ptr<RecordingAction> confirm_ = std::make_shared<RecordingAction>();
  std::unique_ptr<SlackEndpoints> endpoints_;
};

TEST_F(SlackEndpointsTest, ASignedClickReachesItsButtonWithWhatSlackSent) {
  auto res = endpoints_->interactions(signedPost(formBody(clickPayload(kOperator, "pat_confirm", "conf-1"))));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "") << "every answer goes through the response_url";
  ASSERT_EQ(confirm_->clicks.size(), 1u);
  const auto& click = confirm_->clicks[0];
  EXPECT_EQ(click.actor, kOperator);
  EXPECT_EQ(click.channelId, kChannel);
  EXPECT_EQ(click.actionId, "pat_confirm");
  EXPECT_EQ(click.value, "conf-1");
  EXPECT_EQ(click.responseUrl, kResponseUrl);
  EXPECT_FALSE(click.requestId.empty());

  auto row = onlyAuditRow();
  EXPECT_EQ(row.action, "interaction.pat_confirm");
  EXPECT_EQ(row.actor, kOperator);
  EXPECT_EQ(row.outcome, "ok");
  EXPECT_EQ(row.requestId, click.requestId);
  EXPECT_NE(answersTo(kResponseUrl).find("done"), std::string::npos);
}

// Form encoding is undone once: '+' and %XX in the payload reach the button as the clicker's text.
TEST_F(SlackEndpointsTest, TheFormEncodedPayloadIsDecodedOnce) {
  json payload = clickPayload(kOperator, "pat_confirm", "a b+c %41 \xE2\x9C\x85");
  std::string body = "payload=" + http::urlEncode(payload.dump());
  auto spaced = body;
  for (size_t at = spaced.find("%20"); at != std::string::npos; at = spaced.find("%20", at)) spaced.replace(at, 3, "+");
  ASSERT_NE(spaced, body);
  EXPECT_EQ(endpoints_->interactions(signedPost(spaced)).status, 200);
  ASSERT_EQ(confirm_->clicks.size(), 1u);
  EXPECT_EQ(confirm_->clicks[0].value, "a b+c %41 \xE2\x9C\x85");
}

TEST_F(SlackEndpointsTest, AChannelOnlyInTheContainerStillCounts) {
  json payload = clickPayload(kOperator, "pat_confirm", "conf-1");
  payload.erase("channel");
  EXPECT_EQ(endpoints_->interactions(signedPost(formBody(payload))).status, 200);
  ASSERT_EQ(confirm_->clicks.size(), 1u);
  EXPECT_EQ(confirm_->clicks[0].channelId, kChannel);
}

// Slack retries a delivery it thinks was lost: the same click (message_ts, action_ts) on a
// mutating button runs once.
TEST_F(SlackEndpointsTest, TheSameSignedClickTwiceRunsOnce) {
  const std::string body = formBody(clickPayload(kOperator, "pat_confirm", "conf-1"));
  EXPECT_EQ(endpoints_->interactions(signedPost(body)).status, 200);
  EXPECT_EQ(endpoints_->interactions(signedPost(body)).status, 200);
  EXPECT_EQ(confirm_->clicks.size(), 1u);
  auto rows = auditRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].record.outcome, "duplicate");
}

TEST_F(SlackEndpointsTest, AClickBySomeoneWithoutTheRoleIsAnsweredNotRun) {
  EXPECT_EQ(endpoints_->interactions(signedPost(formBody(clickPayload(kReader, "pat_confirm", "conf-1")))).status, 200);
  EXPECT_TRUE(confirm_->clicks.empty());
  EXPECT_EQ(auditRows().at(0).record.outcome, "denied");
  EXPECT_NE(answersTo(kResponseUrl).find("Only operators can use this button"), std::string::npos);
}

TEST_F(SlackEndpointsTest, AnUnknownButtonOrNoButtonAtAllIsUnsupported) {
  json noActions = clickPayload(kOperator, "x", "1");
  noActions.erase("actions");
  for (const json& payload : {clickPayload(kOperator, "pat_self_destruct", "1"), noActions}) {
    EXPECT_EQ(endpoints_->interactions(signedPost(formBody(payload))).status, 200);
  }
  EXPECT_TRUE(confirm_->clicks.empty());
  auto rows = auditRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].record.action, "interaction.none");
  EXPECT_EQ(rows[1].record.action, "interaction.pat_self_destruct");
  for (const auto& row : rows) EXPECT_EQ(row.record.outcome, "unsupported");
}

// A hostile action id is cut before it reaches the audit trail and never becomes a metric label.
TEST_F(SlackEndpointsTest, AHugeActionIdIsCutAndNotALabel) {
  const std::string huge(4000, 'a');
  EXPECT_EQ(endpoints_->interactions(signedPost(formBody(clickPayload(kOperator, huge, "1")))).status, 200);
  EXPECT_EQ(onlyAuditRow().action, "interaction." + std::string(255, 'a'));
  EXPECT_EQ(metrics_.render().find(std::string(64, 'a')), std::string::npos);
}

// --- what is refused before the payload is read ----------------------------------------------

struct Forgery {
  const char* name;
  std::function<void(http::Request&)> apply;
  const char* reason;   // the rejected row's detail.reason and the metric's label
};

TEST_F(SlackEndpointsTest, EveryBadSignatureIs401AndAuditedWithItsReason) {
  const std::string body = formBody(clickPayload(kOperator, "pat_confirm", "conf-1"));
  const Forgery forgeries[] = {
      {"no timestamp", [](http::Request& r) { r.headers.erase("x-slack-request-timestamp"); }, "missing_timestamp"},
      {"no signature", [](http::Request& r) { r.headers.erase("x-slack-signature"); }, "missing_signature"},
      {"a body changed after signing", [](http::Request& r) { r.body += "&x=1"; }, "mismatch"},
      {"another secret",
       [](http::Request& r) {
         r.headers["x-slack-signature"] =
             slack::computeSignature(Secret("not-the-secret"), r.headers["x-slack-request-timestamp"], r.body);
       },
       "mismatch"},
      {"a malformed signature", [](http::Request& r) { r.headers["x-slack-signature"] = "v1=abc"; },
       "malformed_signature"},
      {"a malformed timestamp", [](http::Request& r) { r.headers["x-slack-request-timestamp"] = "soon"; },
       "malformed_timestamp"},
  };
  for (const auto& f : forgeries) {
    SCOPED_TRACE(f.name);
    auto request = signedPost(body);
    f.apply(request);
    auto res = endpoints_->interactions(request);
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(res.body, "");
    auto rejected = rejectedRows();
    ASSERT_FALSE(rejected.empty());
    EXPECT_EQ(rejected[0].target, "/slack/interactions");
    EXPECT_EQ(rejected[0].detail.value("reason", ""), f.reason);
    EXPECT_EQ(rejected[0].detail.value("remote", ""), "203.0.113.9");
  }
  EXPECT_TRUE(confirm_->clicks.empty());
  EXPECT_TRUE(notifier_.responses().empty());
  EXPECT_NE(metrics_.render().find("patbot_slack_rejected_total{reason=\"mismatch\"} 2"), std::string::npos);
}

// A request signed more than five minutes before it arrives (or after) is a replay candidate,
// however good its signature.
TEST_F(SlackEndpointsTest, AnExpiredOrFutureRequestIsRefusedThoughWellSigned) {
  auto old = signedPost(formBody(clickPayload(kOperator, "pat_confirm", "conf-1")));
  clock_.advance(301s);
  EXPECT_EQ(endpoints_->interactions(old).status, 401);
  EXPECT_EQ(rejectedRows().at(0).detail.value("reason", ""), "stale");

  clock_.advance(-602s);
  EXPECT_EQ(endpoints_->interactions(old).status, 401) << "signed 301 s in the future";
  EXPECT_EQ(rejectedRows().at(0).detail.value("reason", ""), "future");

  clock_.advance(601s);   // 300 s after signing: still inside the window
  EXPECT_EQ(endpoints_->interactions(old).status, 200);
  EXPECT_EQ(confirm_->clicks.size(), 1u);
}

TEST_F(SlackEndpointsTest, SlacksTlsCheckIsAnsweredWithoutASignature) {
  http::Request check;
  check.method = "POST";
  check.path = "/slack/interactions";
  check.body = "ssl_check=1&token=x";
  auto res = endpoints_->interactions(check);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(auditRows().empty());
  EXPECT_EQ(endpoints_->commands(check).status, 200);
}

// --- signed, but not a payload patbot can read -------------------------------------------------

TEST_F(SlackEndpointsTest, ASignedBodyWithoutAReadablePayloadIs400AndRunsNothing) {
  const std::pair<const char*, std::string> bodies[] = {
      {"no payload field", "type=block_actions&user=U0OPERATOR1"},
      {"an empty body", ""},
      {"a payload that is not JSON", "payload=" + http::urlEncode("{\"type\":")},
      {"a JSON array", "payload=" + http::urlEncode("[1,2]")},
      {"a JSON string", "payload=" + http::urlEncode("\"block_actions\"")},
      {"a payload without a type", "payload=" + http::urlEncode(R"({"user":{"id":"U0OPERATOR1"}})")},
  };
  for (const auto& [name, body] : bodies) {
    SCOPED_TRACE(name);
    auto res = endpoints_->interactions(signedPost(body));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(res.body, "malformed interaction payload");
  }
  EXPECT_TRUE(confirm_->clicks.empty());
  EXPECT_TRUE(notifier_.responses().empty());
  EXPECT_TRUE(rejectedRows().empty()) << "well signed: not a refusal of the signature";
}

// Fields of the wrong JSON type are read as absent, never thrown on.
TEST_F(SlackEndpointsTest, FieldsOfTheWrongTypeAreTreatedAsMissing) {
  json payload = clickPayload(kOperator, "pat_confirm", "conf-1");
  payload["user"] = "U0OPERATOR1";
  payload["actions"][0]["value"] = 42;
  auto res = endpoints_->interactions(signedPost(formBody(payload)));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(confirm_->clicks.empty()) << "a click without a user is nobody's";
  EXPECT_EQ(auditRows().at(0).record.outcome, "denied");
}

TEST_F(SlackEndpointsTest, ASignedSlashCommandWithoutAUserIs400) {
  auto res = endpoints_->commands(signedPost("command=%2Fpat&text=status", "/slack/commands"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, "malformed slash command");
}

TEST_F(SlackEndpointsTest, ASignedSlashCommandIsAckedWithTheServicesReply) {
  auto res = endpoints_->commands(
      signedPost("command=%2Fpat&text=frobnicate&user_id=U0READER001&channel_id=C0PATBOT01", "/slack/commands"));
  EXPECT_EQ(res.status, 200);
  auto ack = json::parse(res.body);
  EXPECT_EQ(ack["response_type"], "ephemeral");
  EXPECT_NE(ack["text"].get<std::string>().find("Unknown subcommand"), std::string::npos) << res.body;
  EXPECT_EQ(auditRows().at(0).record.action, "command.unknown");
}

}  // namespace
}  // namespace patbot
