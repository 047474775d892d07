// apps.connections.open (reference/slack-socket-mode.md §1) against scripted Slack answers.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "slack/socket_mode_opener.h"
#include "tests/support/scripted_transport.h"

namespace patbot::slack {
namespace {

using testing::ScriptedTransport;
using testing::answer;

const Secret& appToken() {
  static const Secret token(std::string("xapp-1-A0PATBOT01-1234-abcdef"));
  return token;
}

TEST(SocketModeOpener, PostsWithTheAppTokenInTheHeaderAndReturnsTheUrl) {
  ScriptedTransport t;
  t.push(answer(200, R"({"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=abc&app_id=A0PATBOT01"})"));
  auto url = openSocketModeConnection(t, "https://slack.com/api", appToken());
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(*url, "wss://wss-primary.slack.com/link/?ticket=abc&app_id=A0PATBOT01");
  auto sent = t.lastRequest();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://slack.com/api/apps.connections.open");
  EXPECT_EQ(sent.headers["Authorization"], "Bearer xapp-1-A0PATBOT01-1234-abcdef");
  EXPECT_EQ(sent.body.find("xapp-"), std::string::npos) << "the token goes in the header, not the body";
}

TEST(SocketModeOpener, FatalAnswersAreUnauthorizedAndNameTheVariableNotTheToken) {
  for (const char* code : {"invalid_auth", "not_authed", "account_inactive"}) {
    ScriptedTransport t;
    t.push(answer(200, std::string(R"({"ok":false,"error":")") + code + "\"}"));
    auto url = openSocketModeConnection(t, "https://slack.com/api", appToken());
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().kind, ErrorKind::kUnauthorized) << code;
    EXPECT_NE(url.error().message.find(code), std::string::npos);
    EXPECT_NE(url.error().message.find("SLACK_APP_TOKEN"), std::string::npos);
    EXPECT_EQ(url.error().message.find("xapp-1"), std::string::npos);
  }
}

TEST(SocketModeOpener, RateLimitsCarryRetryAfter) {
  ScriptedTransport t;
  t.push(answer(429, R"({"ok":false,"error":"ratelimited"})", {{"retry-after", "7"}}));
  auto limited = openSocketModeConnection(t, "https://slack.com/api", appToken());
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(limited.error().retryAfter, std::chrono::seconds(7));
  t.push(answer(200, R"({"ok":false,"error":"ratelimited"})"));
  auto bare = openSocketModeConnection(t, "https://slack.com/api", appToken());
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(bare.error().retryAfter, std::chrono::seconds(1));
}

TEST(SocketModeOpener, TransientFailuresAreRetryable) {
  ScriptedTransport t;
  t.push(answer(503, "upstream down"));
  t.push(answer(200, R"({"ok":false,"error":"internal_error"})"));
  t.push(Error::make(ErrorKind::kTimeout, "no answer within 10 s"));
  t.push(answer(200, "<html>proxy error</html>"));
  for (ErrorKind expected : {ErrorKind::kUnavailable, ErrorKind::kUnavailable, ErrorKind::kTimeout, ErrorKind::kProtocol}) {
    auto url = openSocketModeConnection(t, "https://slack.com/api", appToken());
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().kind, expected) << url.error().message;
  }
}

TEST(SocketModeOpener, RefusesUrlsItMustNotConnectTo) {
  for (const char* url : {"ws://evil.example.com/link/?ticket=secret-ticket", "https://wss.slack.com/link", "", "wss://"}) {
    ScriptedTransport t;
    t.push(answer(200, nlohmann::json({{"ok", true}, {"url", url}}).dump()));
    auto opened = openSocketModeConnection(t, "https://slack.com/api", appToken());
    ASSERT_FALSE(opened.ok()) << url;
    EXPECT_EQ(opened.error().kind, ErrorKind::kProtocol);
    EXPECT_EQ(opened.error().message.find("secret-ticket"), std::string::npos);
  }
  ScriptedTransport loopback;
  loopback.push(answer(200, R"({"ok":true,"url":"ws://127.0.0.1:4000/link/?ticket=t"})"));
  EXPECT_TRUE(openSocketModeConnection(loopback, "http://127.0.0.1:4000/api", appToken()).ok());
}

}  // namespace
}  // namespace patbot::slack
