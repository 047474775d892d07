#include "sim/fake_slack.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/fake_slack_blocks.h"
#include "sim/fake_slack_wire.h"
#include "tests/support/scripted_transport.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr const char* kBotToken = "xoxb-test-0000-patbot";
constexpr int64_t kStart = 1700000000;

// Slack's algorithm, recomputed here with OpenSSL directly.
std::string expectedSignature(const std::string& secret, const std::string& ts, const std::string& body) {
  std::string base = "v0:" + ts + ":" + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac, &len);
  std::string hex = "v0=";
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", mac[i]);
  return hex;
}

std::vector<std::string> keysInOrder(const std::string& body) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : formDecode(body)) keys.push_back(k);
  return keys;
}

class FakeSlackTest : public ::testing::Test {
 protected:
  // patbot acks every request with a JSON text until a test says otherwise.
  FakeSlackTest() : clock_(TimePoint(std::chrono::seconds(kStart))), slack_(makeOptions(), clock_, transport_) {
    transport_.answerAlways(patbot::testing::answer(200, R"({"text":"working on it"})"));
  }

  static FakeSlackOptions makeOptions() {
    FakeSlackOptions o;
    o.signingSecret = kSecret;
    o.botToken = kBotToken;
    o.selfBaseUrl = "http://127.0.0.1:7777";
    o.botCommandsUrl = "http://127.0.0.1:8080/slack/commands";
    o.botInteractionsUrl = "http://127.0.0.1:8080/slack/interactions";
    return o;
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& body = "",
                      http::Headers headers = {}) {
    http::Request r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.headers = std::move(headers);
    r.body = body;
    return slack_.handle(r);
  }

  json callJson(const std::string& method, const std::string& target, const json& body = json::object()) {
    auto res = call(method, target, body.dump(), {{"content-type", "application/json"}});
    auto j = json::parse(res.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << res.status << " " << res.body;
    return j;
  }

  http::Response api(const std::string& method, const json& body, const std::string& token = kBotToken) {
    http::Headers h{{"content-type", "application/json; charset=utf-8"}};
    if (!token.empty()) h["authorization"] = "Bearer " + token;
    return call("POST", "/api/" + method, body.dump(), h);
  }

  // The path of a minted response_url ("/commands/...").
  static std::string pathOf(const std::string& url) { return url.substr(std::string("http://127.0.0.1:7777").size()); }

  FakeClock clock_;
  patbot::testing::ScriptedTransport transport_;
  FakeSlack slack_;
};

// --- wire -------------------------------------------------------------------------------------

TEST(FakeSlackWire, SlackDocumentedSigningExample) {
  std::string body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name="
      "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2F"
      "hooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
      "47445629121.803a0bc887a14d10d2c447fce8b6703c";
  EXPECT_EQ(slackSignature(kSecret, "1531420618", body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  EXPECT_EQ(slackSignature(kSecret, "1531420618", ""),
            "v0=55f41ec73231010289b54e669149ea021fccab11b5524355523533ce930cb739");
}

TEST(FakeSlackWire, FormEncodingMatchesSlackShape) {
  EXPECT_EQ(formEncode("rotate a/\"b c\""), "rotate+a%2F%22b+c%22");
  EXPECT_EQ(formEncode("/pat"), "%2Fpat");
  EXPECT_EQ(formEncode("https://x.test/a"), "https%3A%2F%2Fx.test%2Fa");
  EXPECT_EQ(formEncode("d\xC3\xA9ploy \xE2\x9C\x85"), "d%C3%A9ploy+%E2%9C%85");
  EXPECT_EQ(formEncode("a+b&c=d"), "a%2Bb%26c%3Dd");
  EXPECT_EQ(formEncode("keep-_.AZaz09"), "keep-_.AZaz09");
  auto fields = formDecode("text=a%2Bb+c%26&empty=&x=%E2%9C%85");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].second, "a+b c&");
  EXPECT_EQ(fields[1].second, "");
  EXPECT_EQ(fields[2].second, "\xE2\x9C\x85");
}

TEST(FakeSlackWire, BlockLimits) {
  auto section = [](size_t n) { return json{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::string(n, 'x')}}}}; };
  EXPECT_FALSE(validateBlocks(json::array({section(3000)})));
  EXPECT_TRUE(validateBlocks(json::array({section(3001)})));
  EXPECT_TRUE(validateBlocks(json::array({section(0)})));
  // 3000 two-byte characters are 3000 characters, not 6000.
  json accents = {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", [] {
                                                    std::string s;
                                                    for (int i = 0; i < 3000; ++i) s += "\xC3\xA9";
                                                    return s;
                                                  }()}}}};
  EXPECT_FALSE(validateBlocks(json::array({accents})));
  json fields = json::array();
  for (int i = 0; i < 11; ++i) fields.push_back({{"type", "mrkdwn"}, {"text", "f"}});
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "section"}, {"fields", fields}}})));
  fields.erase(fields.begin());
  EXPECT_FALSE(validateBlocks(json::array({{{"type", "section"}, {"fields", fields}}})));
  EXPECT_TRUE(validateBlocks(json::array(
      {{{"type", "section"}, {"fields", {{{"type", "mrkdwn"}, {"text", std::string(2001, 'x')}}}}}})));
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", std::string(151, 'h')}}}}})));
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "header"}, {"text", {{"type", "mrkdwn"}, {"text", "h"}}}}})));
  auto button = [](size_t textLen, size_t valueLen) {
    return json{{"type", "button"}, {"action_id", "a"}, {"text", {{"type", "plain_text"}, {"text", std::string(textLen, 'b')}}},
                {"value", std::string(valueLen, 'v')}};
  };
  EXPECT_FALSE(validateBlocks(json::array({{{"type", "actions"}, {"elements", {button(75, 2000)}}}})));
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "actions"}, {"elements", {button(76, 1)}}}})));
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "actions"}, {"elements", {button(1, 2001)}}}})));
  json many = json::array();
  for (int i = 0; i < 26; ++i) many.push_back(button(1, 1));
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "actions"}, {"elements", many}}})));
  json ctx = json::array();
  for (int i = 0; i < 11; ++i) ctx.push_back({{"type", "mrkdwn"}, {"text", "c"}});
  EXPECT_TRUE(validateBlocks(json::array({{{"type", "context"}, {"elements", ctx}}})));
  json fifty = json::array();
  for (int i = 0; i < 50; ++i) fifty.push_back({{"type", "divider"}});
  EXPECT_FALSE(validateBlocks(fifty));
  fifty.push_back({{"type", "divider"}});
  EXPECT_TRUE(validateBlocks(fifty));
}

// --- slash sender -----------------------------------------------------------------------------

TEST_F(FakeSlackTest, SlashIsSignedAndEncodedLikeSlack) {
  auto answer = callJson("POST", "/_fake/slash",
                         {{"text", "rotate a/\"b c\""}, {"user_id", "U0ALICE001"}, {"user_name", "alice"},
                          {"channel_id", "C0PATBOT01"}, {"command", "/pat"}});
  ASSERT_EQ(transport_.requestCount(), 1u);
  const auto r = transport_.lastRequest();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:8080/slack/commands");
  EXPECT_EQ(r.deadline, std::chrono::milliseconds(3000));
  EXPECT_EQ(r.headers.at("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.headers.at("X-Slack-Request-Timestamp"), std::to_string(kStart));
  EXPECT_EQ(r.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart), r.body));

  std::vector<std::string> order{"token",       "team_id",  "team_domain", "channel_id", "channel_name",
                                 "user_id",     "user_name", "command",    "text",       "api_app_id",
                                 "is_enterprise_install", "response_url", "trigger_id"};
  EXPECT_EQ(keysInOrder(r.body), order);
  EXPECT_NE(r.body.find("&command=%2Fpat&text=rotate+a%2F%22b+c%22&"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("&team_id=T0PATBOT1&"), std::string::npos);
  EXPECT_NE(r.body.find("&response_url=http%3A%2F%2F127.0.0.1%3A7777%2Fcommands%2F"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(' '), std::string::npos);
  EXPECT_NE(r.body.find("&is_enterprise_install=false&"), std::string::npos);

  auto fields = formDecode(r.body);
  EXPECT_EQ(formValue(fields, "text"), "rotate a/\"b c\"");
  EXPECT_EQ(formValue(fields, "response_url"), answer["response_url"]);
  EXPECT_EQ(formValue(fields, "trigger_id"), answer["trigger_id"]);
  EXPECT_EQ(answer["status"], 200);
  EXPECT_EQ(answer["content_type"], "application/json");
  EXPECT_EQ(answer["body"], R"({"text":"working on it"})");
  EXPECT_TRUE(answer["error"].is_null());
  EXPECT_TRUE(answer["elapsed_ms"].is_number_integer());
  EXPECT_EQ(answer["response_url"].get<std::string>().rfind("http://127.0.0.1:7777/commands/", 0), 0u);
}

TEST_F(FakeSlackTest, SlashSignatureVariants) {
  auto send = [&](json extra) {
    json body = {{"text", "status"}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    callJson("POST", "/_fake/slash", body);
    return transport_.lastRequest();
  };
  auto bad = send({{"signature", "bad"}});
  ASSERT_TRUE(bad.headers.count("X-Slack-Signature"));
  EXPECT_EQ(bad.headers.at("X-Slack-Signature").size(), 67u);
  EXPECT_NE(bad.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart), bad.body));

  auto missing = send({{"signature", "missing"}});
  EXPECT_EQ(missing.headers.count("X-Slack-Signature"), 0u);
  EXPECT_EQ(missing.headers.count("X-Slack-Request-Timestamp"), 0u);

  auto upper = send({{"signature", "uppercase"}});
  std::string good = expectedSignature(kSecret, std::to_string(kStart), upper.body);
  std::string expectUpper = "v0=";
  for (char c : good.substr(3)) expectUpper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(upper.headers.at("X-Slack-Signature"), expectUpper);
  EXPECT_NE(expectUpper, good);

  auto stale = send({{"timestamp_offset_s", -301}});
  EXPECT_EQ(stale.headers.at("X-Slack-Request-Timestamp"), std::to_string(kStart - 301));
  EXPECT_EQ(stale.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart - 301), stale.body));

  auto future = send({{"timestamp_offset_s", 301}});
  EXPECT_EQ(future.headers.at("X-Slack-Request-Timestamp"), std::to_string(kStart + 301));

  auto tampered = send({{"signature", "tampered"}});
  EXPECT_NE(tampered.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart), tampered.body));

  auto v1 = send({{"signature", "v1"}});
  EXPECT_EQ(v1.headers.at("X-Slack-Signature").substr(0, 3), "v1=");

  auto sizeBefore = transport_.requestCount();
  auto res = call("POST", "/_fake/slash", R"({"signature":"nonsense"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(transport_.requestCount(), sizeBefore);
}

TEST_F(FakeSlackTest, SlashReportsTimeoutAndDispatchFailure) {
  transport_.answerAlways(Error::make(ErrorKind::kTimeout, "scripted failure"));
  auto timeout = callJson("POST", "/_fake/slash", {{"text", "status"}});
  EXPECT_EQ(timeout["error"], "operation_timeout");
  EXPECT_EQ(timeout["status"], 0);
  transport_.answerAlways(Error::make(ErrorKind::kUnavailable, "scripted failure"));
  auto refused = callJson("POST", "/_fake/slash", {{"text", "status"}});
  EXPECT_EQ(refused["error"], "dispatch_failed");
}

TEST_F(FakeSlackTest, SlashKeepsGivenTriggerIdAndPlainTextAck) {
  transport_.answerAlways(patbot::testing::answer(200, "hello", {{"content-type", "text/plain"}}));
  auto a = callJson("POST", "/_fake/slash", {{"text", "rotate x --yes"}, {"trigger_id", "111.222.abc"}});
  EXPECT_EQ(a["trigger_id"], "111.222.abc");
  EXPECT_EQ(formValue(formDecode(transport_.lastRequest().body), "trigger_id"), "111.222.abc");
  EXPECT_EQ(a["content_type"], "text/plain");
  EXPECT_EQ(a["body"], "hello");
}

// --- response_url -----------------------------------------------------------------------------

TEST_F(FakeSlackTest, ResponseUrlAllowsFiveUses) {
  auto a = callJson("POST", "/_fake/slash", {{"text", "status"}, {"user_id", "U0BOB00001"}, {"channel_id", "C0OPS00001"}});
  std::string url = a["response_url"];
  for (int i = 1; i <= 5; ++i) {
    auto res = call("POST", pathOf(url), json{{"text", fmt::format("reply {}", i)}, {"response_type", "in_channel"}}.dump(),
                    {{"content-type", "application/json"}});
    EXPECT_EQ(res.status, 200) << i;
    EXPECT_EQ(res.body, "ok");
  }
  auto sixth = call("POST", pathOf(url), R"({"text":"six"})", {{"content-type", "application/json"}});
  EXPECT_EQ(sixth.status, 404);
  EXPECT_EQ(sixth.body, "used_url");

  auto messages = callJson("GET", "/_fake/messages");
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[0]["via"], "response_url");
  EXPECT_EQ(messages[0]["response_url"], url);
  EXPECT_EQ(messages[0]["user_id"], "U0BOB00001");
  EXPECT_EQ(messages[0]["channel"], "C0OPS00001");
  EXPECT_EQ(messages[0]["response_type"], "in_channel");
  EXPECT_EQ(messages[4]["message"]["text"], "reply 5");
}

TEST_F(FakeSlackTest, ResponseUrlExpiresAfterThirtyMinutes) {
  std::string url = callJson("POST", "/_fake/slash", {{"text", "status"}})["response_url"];
  std::string other = callJson("POST", "/_fake/slash", {{"text", "status"}})["response_url"];
  EXPECT_NE(url, other);
  clock_.advance(std::chrono::minutes(30));
  EXPECT_EQ(call("POST", pathOf(url), R"({"text":"just in time"})").status, 200);
  clock_.advance(std::chrono::seconds(1));
  auto late = call("POST", pathOf(other), R"({"text":"too late"})");
  EXPECT_EQ(late.status, 404);
  EXPECT_EQ(late.body, "expired_url");
  EXPECT_EQ(call("POST", "/commands/T0PATBOT1/1/unknown", R"({"text":"x"})").status, 404);
}

TEST_F(FakeSlackTest, ResponseUrlRecordsReplaceAndDelete) {
  std::string url = callJson("POST", "/_fake/slash", {{"text", "rotate x"}})["response_url"];
  json blocks = json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "done"}}}}});
  EXPECT_EQ(call("POST", pathOf(url), json{{"replace_original", true}, {"text", "done"}, {"blocks", blocks}}.dump()).status, 200);
  EXPECT_EQ(call("POST", pathOf(url), R"({"delete_original":true})").status, 200);
  EXPECT_EQ(call("POST", pathOf(url), R"({"response_type":"ephemeral"})").status, 400);
  EXPECT_EQ(call("POST", pathOf(url), "not json").status, 400);
  auto m = callJson("GET", "/_fake/messages");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["replace_original"], true);
  EXPECT_EQ(m[0]["delete_original"], false);
  EXPECT_EQ(m[0]["response_type"], "ephemeral");
  EXPECT_EQ(m[0]["message"]["blocks"], blocks);
  EXPECT_EQ(m[1]["delete_original"], true);
  EXPECT_EQ(m[1]["user_id"], "U0ALICE001");
}

// --- Web API ----------------------------------------------------------------------------------

TEST_F(FakeSlackTest, PostMessageAuthErrors) {
  auto none = api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "hi"}}, "");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(json::parse(none.body)["error"], "not_authed");
  auto wrong = api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "hi"}}, "xoxb-wrong");
  EXPECT_EQ(json::parse(wrong.body), (json{{"ok", false}, {"error", "invalid_auth"}}));
  auto inBody = call("POST", "/api/chat.postMessage", json{{"token", kBotToken}, {"channel", "C0PATBOT01"}, {"text", "x"}}.dump(),
                     {{"content-type", "application/json; charset=utf-8"}});
  EXPECT_EQ(json::parse(inBody.body)["error"], "not_authed");
  auto calls = call("GET", "/_fake/calls");
  EXPECT_EQ(calls.body.find(kBotToken), std::string::npos);
  EXPECT_EQ(calls.body.find("xoxb-wrong"), std::string::npos);
  auto j = json::parse(calls.body);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["method"], "chat.postMessage");
  EXPECT_EQ(j[0]["status"], 200);
  EXPECT_EQ(j[0]["error"], "not_authed");
}

TEST_F(FakeSlackTest, PostMessageChannelAndContentErrors) {
  auto err = [&](const json& body) { return json::parse(api("chat.postMessage", body).body).value("error", ""); };
  EXPECT_EQ(err({{"channel", "C0NOPE0001"}, {"text", "hi"}}), "channel_not_found");
  EXPECT_EQ(err({{"text", "hi"}}), "channel_not_found");
  EXPECT_EQ(err({{"channel", "C0NOTIN001"}, {"text", "hi"}}), "not_in_channel");
  EXPECT_EQ(err({{"channel", "C0PATBOT01"}}), "no_text");
  EXPECT_EQ(err({{"channel", "C0PATBOT01"}, {"text", ""}}), "no_text");
  json tooMany = json::array();
  for (int i = 0; i < 51; ++i) tooMany.push_back({{"type", "divider"}});
  EXPECT_EQ(err({{"channel", "C0PATBOT01"}, {"text", "t"}, {"blocks", tooMany}}), "invalid_blocks");
  json longSection = json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::string(3001, 'x')}}}}});
  EXPECT_EQ(err({{"channel", "C0PATBOT01"}, {"text", "t"}, {"blocks", longSection}}), "invalid_blocks");
  EXPECT_TRUE(json::parse(call("GET", "/_fake/messages").body).empty());
}

TEST_F(FakeSlackTest, PostMessageSucceedsWithUniqueTs) {
  auto a = json::parse(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "one"}}).body);
  auto b = json::parse(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "two"}}).body);
  EXPECT_EQ(a["ok"], true);
  EXPECT_EQ(a["channel"], "C0PATBOT01");
  EXPECT_EQ(a["message"]["text"], "one");
  std::string ts = a["ts"];
  EXPECT_EQ(ts, std::to_string(kStart) + ".000000");
  EXPECT_NE(a["ts"], b["ts"]);
  EXPECT_EQ(b["ts"].get<std::string>().size(), ts.size());
}

TEST_F(FakeSlackTest, PostMessageRateLimitPerChannel) {
  auto post = [&](const char* channel) { return api("chat.postMessage", {{"channel", channel}, {"text", "x"}}); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post("C0PATBOT01").status, 200) << i;
  auto limited = post("C0PATBOT01");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.at("retry-after"), "1");
  EXPECT_EQ(json::parse(limited.body), (json{{"ok", false}, {"error", "ratelimited"}}));
  EXPECT_EQ(post("C0OPS00001").status, 200);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(post("C0PATBOT01").status, 200);
  EXPECT_EQ(post("C0PATBOT01").status, 429);
  clock_.advance(std::chrono::seconds(10));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post("C0PATBOT01").status, 200) << i;
  EXPECT_EQ(post("C0PATBOT01").status, 429);
}

TEST_F(FakeSlackTest, FormEncodedPostMessageAccepted) {
  json blocks = json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "*hi* there"}}}}});
  std::string body = formEncodeFields({{"channel", "C0PATBOT01"}, {"text", "hi & bye"}, {"blocks", blocks.dump()}});
  auto res = call("POST", "/api/chat.postMessage", body,
                  {{"content-type", "application/x-www-form-urlencoded"}, {"authorization", std::string("Bearer ") + kBotToken}});
  auto j = json::parse(res.body);
  EXPECT_EQ(j["ok"], true) << res.body;
  auto m = callJson("GET", "/_fake/messages");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["via"], "chat.postMessage");
  EXPECT_EQ(m[0]["message"]["text"], "hi & bye");
  EXPECT_EQ(m[0]["message"]["blocks"], blocks);
  EXPECT_TRUE(m[0]["response_url"].is_null());

  std::string badBlocks = formEncodeFields({{"channel", "C0PATBOT01"}, {"text", "x"}, {"blocks", "[{"}});
  auto bad = call("POST", "/api/chat.postMessage", badBlocks,
                  {{"content-type", "application/x-www-form-urlencoded"}, {"authorization", std::string("Bearer ") + kBotToken}});
  EXPECT_EQ(json::parse(bad.body)["ok"], false);
}

TEST_F(FakeSlackTest, ChatUpdateReplacesAndKeepsHistory) {
  auto posted = json::parse(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "step 1"}}).body);
  std::string ts = posted["ts"];
  auto updated = json::parse(api("chat.update", {{"channel", "C0PATBOT01"}, {"ts", ts}, {"text", "step 2"}}).body);
  EXPECT_EQ(updated["ok"], true);
  EXPECT_EQ(updated["ts"], ts);
  EXPECT_EQ(updated["text"], "step 2");
  auto missing = json::parse(api("chat.update", {{"channel", "C0PATBOT01"}, {"ts", "1.000001"}, {"text", "x"}}).body);
  EXPECT_EQ(missing["error"], "message_not_found");
  auto otherChannel = json::parse(api("chat.update", {{"channel", "C0OPS00001"}, {"ts", ts}, {"text", "x"}}).body);
  EXPECT_EQ(otherChannel["error"], "message_not_found");
  auto history = callJson("GET", "/_fake/history?channel=C0PATBOT01&ts=" + ts);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["text"], "step 1");
  EXPECT_EQ(history[1]["text"], "step 2");
  auto m = callJson("GET", "/_fake/messages");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1]["via"], "chat.update");
  EXPECT_EQ(m[1]["ts"], ts);
}

TEST_F(FakeSlackTest, MessagesAreOrderedAndFilterBySince) {
  std::string url = callJson("POST", "/_fake/slash", {{"text", "status"}})["response_url"];
  api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "first"}});
  call("POST", pathOf(url), R"({"text":"second"})");
  api("chat.postMessage", {{"channel", "C0OPS00001"}, {"text", "third"}});
  auto all = callJson("GET", "/_fake/messages");
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["seq"], i + 1);
  EXPECT_EQ(all[0]["message"]["text"], "first");
  EXPECT_EQ(all[1]["message"]["text"], "second");
  EXPECT_EQ(all[2]["message"]["text"], "third");
  auto since = callJson("GET", "/_fake/messages?since=1");
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0]["seq"], 2);
  EXPECT_TRUE(callJson("GET", "/_fake/messages?since=3").empty());
  EXPECT_EQ(call("GET", "/_fake/messages?since=abc").status, 400);

  EXPECT_EQ(call("POST", "/_fake/reset").status, 200);
  EXPECT_TRUE(callJson("GET", "/_fake/messages").empty());
  EXPECT_TRUE(callJson("GET", "/_fake/calls").empty());
  EXPECT_EQ(call("POST", pathOf(url), R"({"text":"after reset"})").status, 404);
}

TEST_F(FakeSlackTest, FaultModeFailsTheNextCalls) {
  auto set = callJson("POST", "/_fake/fault", {{"post_fail", "down"}, {"count", 2}});
  EXPECT_EQ(set["count"], 2);
  EXPECT_EQ(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}}).status, 503);
  EXPECT_EQ(api("chat.update", {{"channel", "C0PATBOT01"}, {"ts", "1.1"}, {"text", "x"}}).status, 503);
  EXPECT_EQ(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}}).status, 200);
  callJson("POST", "/_fake/fault", {{"post_fail", "ratelimited"}, {"count", 1}});
  auto limited = api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.at("retry-after"), "1");
  callJson("POST", "/_fake/fault", {{"post_fail", "invalid_auth"}, {"count", 1}});
  EXPECT_EQ(json::parse(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}}).body)["error"], "invalid_auth");
  auto calls = callJson("GET", "/_fake/calls");
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0]["status"], 503);
  EXPECT_EQ(calls[3]["error"], "ratelimited");
  EXPECT_EQ(call("POST", "/_fake/fault", R"({"post_fail":"weird"})").status, 400);
}

TEST_F(FakeSlackTest, FaultCanBeLimitedToOneMethod) {
  auto set = callJson("POST", "/_fake/fault", {{"post_fail", "ratelimited"}, {"count", 1}, {"method", "chat.postMessage"}});
  EXPECT_EQ(set["method"], "chat.postMessage");
  // chat.update is not counted against the fault; the next chat.postMessage is refused.
  EXPECT_EQ(json::parse(api("chat.update", {{"channel", "C0PATBOT01"}, {"ts", "1.1"}, {"text", "x"}}).body)["error"],
            "message_not_found");
  auto limited = api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.at("retry-after"), "1");
  EXPECT_EQ(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}}).status, 200);
  EXPECT_EQ(call("POST", "/_fake/fault", R"({"post_fail":"down","method":5})").status, 400);
}

TEST_F(FakeSlackTest, ScheduleFailsExactlyTheChosenCall) {
  std::string url = callJson("POST", "/_fake/slash", {{"text", "status"}})["response_url"];
  auto post = [&](const std::string& text) {
    return call("POST", pathOf(url), json{{"text", text}}.dump(), {{"content-type", "application/json"}});
  };
  auto set = callJson("POST", "/_fake/schedule",
                      {{"schedule", {{{"via", "response_url"}, {"occurrence", 2}, {"action", "down"}},
                                     {{"via", "chat.update"}, {"occurrence", 1}, {"action", "ratelimited"}}}}});
  EXPECT_EQ(set["schedule"].size(), 2u);
  EXPECT_EQ(post("one").status, 200);
  EXPECT_EQ(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "x"}}).status, 200);   // not scheduled
  EXPECT_EQ(post("two").status, 503);
  EXPECT_EQ(post("three").status, 200);
  auto limited = api("chat.update", {{"channel", "C0PATBOT01"}, {"ts", "1.1"}, {"text", "x"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.at("retry-after"), "1");
  auto shown = callJson("GET", "/_fake/schedule");
  EXPECT_EQ(shown["schedule"][0]["seen"], 3);
  EXPECT_EQ(shown["schedule"][0]["fired"], true);
  EXPECT_EQ(shown["schedule"][1]["fired"], true);
  // The failed post did not use the URL up: uses 1 and 3 were recorded.
  auto messages = callJson("GET", "/_fake/messages");
  int viaUrl = 0;
  for (const auto& m : messages) viaUrl += m["via"] == "response_url";
  EXPECT_EQ(viaUrl, 2);
  callJson("POST", "/_fake/schedule", {{"schedule", {{{"via", "response_url"}, {"action", "expired"}}}}});
  auto expired = post("four");
  EXPECT_EQ(expired.status, 404);
  EXPECT_EQ(expired.body, "expired_url");
  EXPECT_EQ(call("POST", "/_fake/schedule", R"({"schedule":[{"via":"response_url","action":"explode"}]})").status, 400);
}

// --- click ------------------------------------------------------------------------------------

TEST_F(FakeSlackTest, ClickSendsSignedBlockActionsPayload) {
  auto answer = callJson("POST", "/_fake/click",
                         {{"user_id", "U0ALICE001"}, {"channel_id", "C0PATBOT01"}, {"action_id", "pat_rotate_confirm"},
                          {"value", "deploy-token"}, {"message_ts", "1700000000.000100"}});
  ASSERT_EQ(transport_.requestCount(), 1u);
  const auto r = transport_.lastRequest();
  EXPECT_EQ(r.url, "http://127.0.0.1:8080/slack/interactions");
  EXPECT_EQ(r.headers.at("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart), r.body));
  ASSERT_EQ(r.body.rfind("payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U0ALICE001%22", 0), 0u)
      << r.body;
  auto fields = formDecode(r.body);
  ASSERT_EQ(fields.size(), 1u);
  auto payload = json::parse(fields[0].second);
  EXPECT_EQ(payload["type"], "block_actions");
  EXPECT_EQ(payload["user"]["id"], "U0ALICE001");
  EXPECT_EQ(payload["team"]["id"], "T0PATBOT1");
  EXPECT_EQ(payload["container"]["message_ts"], "1700000000.000100");
  EXPECT_EQ(payload["container"]["channel_id"], "C0PATBOT01");
  EXPECT_EQ(payload["channel"]["id"], "C0PATBOT01");
  ASSERT_EQ(payload["actions"].size(), 1u);
  EXPECT_EQ(payload["actions"][0]["action_id"], "pat_rotate_confirm");
  EXPECT_EQ(payload["actions"][0]["value"], "deploy-token");
  EXPECT_EQ(payload["actions"][0]["type"], "button");
  EXPECT_TRUE(payload["actions"][0]["action_ts"].is_string());
  EXPECT_EQ(payload["response_url"], answer["response_url"]);
  EXPECT_EQ(payload["trigger_id"], answer["trigger_id"]);
  std::string url = answer["response_url"];
  EXPECT_EQ(call("POST", pathOf(url), R"({"replace_original":true,"text":"rotated"})").status, 200);
  EXPECT_EQ(callJson("GET", "/_fake/messages")[0]["user_id"], "U0ALICE001");
}

TEST_F(FakeSlackTest, ClickOnPostedMessageCarriesItsButton) {
  json blocks = json::array({{{"type", "actions"},
                              {"block_id", "pat_plan"},
                              {"elements", {{{"type", "button"},
                                             {"action_id", "pat_rotate_confirm"},
                                             {"style", "danger"},
                                             {"value", "42"},
                                             {"text", {{"type", "plain_text"}, {"text", "Confirm"}}}}}}}});
  auto posted = json::parse(api("chat.postMessage", {{"channel", "C0PATBOT01"}, {"text", "plan"}, {"blocks", blocks}}).body);
  callJson("POST", "/_fake/click",
           {{"user_id", "U0BOB00001"}, {"action_id", "pat_rotate_confirm"}, {"message_ts", posted["ts"]}, {"signature", "bad"}});
  const auto r = transport_.lastRequest();
  EXPECT_NE(r.headers.at("X-Slack-Signature"), expectedSignature(kSecret, std::to_string(kStart), r.body));
  auto payload = json::parse(formDecode(r.body)[0].second);
  EXPECT_EQ(payload["container"]["is_ephemeral"], false);
  EXPECT_EQ(payload["message"]["text"], "plan");
  EXPECT_EQ(payload["actions"][0]["value"], "42");
  EXPECT_EQ(payload["actions"][0]["block_id"], "pat_plan");
  EXPECT_EQ(payload["actions"][0]["style"], "danger");
  EXPECT_EQ(payload["actions"][0]["text"]["text"], "Confirm");
}

TEST_F(FakeSlackTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(call("GET", "/nope").status, 404);
  EXPECT_EQ(call("GET", "/_fake/slash").status, 405);
  EXPECT_EQ(call("GET", "/commands/x").status, 405);
  EXPECT_EQ(json::parse(api("chat.deleteEverything", json::object()).body)["error"], "unknown_method");
  EXPECT_EQ(json::parse(api("auth.test", json::object()).body)["ok"], true);
}

}  // namespace
}  // namespace patbot::fakes
