#include "slack/slack_notifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "slack/block_kit.h"
#include "tests/sanitizers/sanitizer_build.h"
#include "tests/support/scripted_transport.h"

namespace patbot::slack {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const std::string kToken = "xoxb-test-0000-not-a-real-token";
const std::string kResponseUrl = "https://hooks.slack.com/commands/T1/397700885554/96rGlfmibIGlgcZRskXaIFfN";

using patbot::testing::answer;

class SlackNotifierTest : public ::testing::Test {
 protected:
  // Slack answers 500 once the script is used up.
  SlackNotifierTest() { transport_.answerAlways(answer(500, "")); }

  SlackNotifier make(std::string token = kToken) {
    return SlackNotifier(transport_, "https://slack.test/api/", Secret(std::move(token)), clock_, &metrics_);
  }
  // The notifier's waits: each one moved clock_ on and returned at once.
  std::vector<nanoseconds> sleeps() const { return clock_.sleeps(); }
  static Message message(const std::string& text = "hello") { return textMessage(text, false); }

  void expectNoToken(const Error& e) {
    EXPECT_EQ(e.message.find(kToken), std::string::npos);
    EXPECT_EQ(e.detail.find(kToken), std::string::npos);
    EXPECT_EQ(e.message.find("xoxb-test"), std::string::npos);
    EXPECT_EQ(e.detail.find("xoxb-test"), std::string::npos);
  }

  patbot::testing::ScriptedTransport transport_;
  FakeClock clock_{TimePoint(seconds(1700000000))};
  MetricsRegistry metrics_;
};

TEST_F(SlackNotifierTest, PostSendsBearerTokenAndJson) {
  transport_.push(answer(200, R"({"ok":true,"channel":"C1H9RESGL","ts":"1503435956.000247"})"));
  SlackNotifier n = make();
  const Result<PostedMessage> posted = n.post("C1H9RESGL", message("status"));
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_EQ(posted->channel, "C1H9RESGL");
  EXPECT_EQ(posted->ts, "1503435956.000247");

  ASSERT_EQ(transport_.requestCount(), 1u);
  const http::ClientRequest r = transport_.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://slack.test/api/chat.postMessage");
  EXPECT_EQ(r.headers.at("Authorization"), "Bearer " + kToken);
  EXPECT_EQ(r.headers.at("Content-Type"), "application/json; charset=utf-8");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["channel"], "C1H9RESGL");
  EXPECT_EQ(body["text"], "status");
  EXPECT_EQ(body["blocks"].size(), 1u);
  EXPECT_FALSE(body.contains("token"));
  EXPECT_NE(metrics_.render().find(
                R"(patbot_slack_requests_total{method="chat.postMessage",status="200"} 1)"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(SlackNotifierTest, PostWithoutTokenIsAConfigError) {
  SlackNotifier n = make("");
  const Result<PostedMessage> posted = n.post("C1", message());
  ASSERT_FALSE(posted.ok());
  EXPECT_EQ(posted.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(posted.error().message, "SLACK_BOT_TOKEN is not set");
  EXPECT_FALSE(n.update({"C1", "1.2"}, message()).ok());
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(SlackNotifierTest, OkFalseMapsToKindsWithAdvice) {
  struct Case {
    const char* code;
    ErrorKind kind;
    const char* advice;
  };
  const Case cases[] = {
      {"not_authed", ErrorKind::kUnauthorized, "SLACK_BOT_TOKEN"},
      {"invalid_auth", ErrorKind::kUnauthorized, "SLACK_BOT_TOKEN"},
      {"token_revoked", ErrorKind::kUnauthorized, "reinstall"},
      {"account_inactive", ErrorKind::kUnauthorized, "reinstall"},
      {"channel_not_found", ErrorKind::kNotFound, "channel ID"},
      {"not_in_channel", ErrorKind::kNotFound, "invite @patbot to the channel"},
      {"is_archived", ErrorKind::kNotFound, "archived"},
      {"invalid_blocks", ErrorKind::kProtocol, "invalid_blocks"},
      {"something_new", ErrorKind::kProtocol, "something_new"},
  };
  SlackNotifier n = make();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    transport_.push(answer(200, std::string(R"({"ok":false,"error":")") + c.code + R"("})"));
    const Result<PostedMessage> posted = n.post("C9", message());
    ASSERT_FALSE(posted.ok());
    EXPECT_EQ(posted.error().kind, c.kind);
    EXPECT_NE(posted.error().message.find(c.advice), std::string::npos) << posted.error().message;
    expectNoToken(posted.error());
  }
}

TEST_F(SlackNotifierTest, TokenNeverAppearsInErrors) {
  SlackNotifier n = make();
  // A hostile or buggy server echoing the token back, and a transport error quoting it.
  transport_.push(answer(200, R"({"ok":false,"error":")" + kToken + R"("})"));
  transport_.push(answer(400, "bad token " + kToken));
  transport_.push(answer(200, "not json " + kToken));
  transport_.push(Error::make(ErrorKind::kUnavailable, "connect failed with Authorization: Bearer " + kToken));
  for (int i = 0; i < 4; ++i) {
    const Result<PostedMessage> posted = n.post("C" + std::to_string(i), message());
    ASSERT_FALSE(posted.ok());
    expectNoToken(posted.error());
  }
}

TEST_F(SlackNotifierTest, RateLimitedThenSuccessHonoursRetryAfter) {
  transport_.push(answer(429, R"({"ok":false,"error":"ratelimited"})", {{"retry-after", "7"}}));
  transport_.push(answer(200, R"({"ok":true,"channel":"C1","ts":"1.000001"})"));
  SlackNotifier n = make();
  const Result<PostedMessage> posted = n.post("C1", message());
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_EQ(transport_.requestCount(), 2u);
  ASSERT_EQ(sleeps().size(), 1u);
  EXPECT_EQ(sleeps()[0], seconds(7));
  EXPECT_NE(metrics_.render().find(R"(status="429"} 1)"), std::string::npos);
}

TEST_F(SlackNotifierTest, RetryAfterDefaultsAndCap) {
  transport_.push(answer(429, "", {}));
  transport_.push(answer(429, "", {{"retry-after", "3600"}}));
  transport_.push(answer(429, "", {{"retry-after", "soon"}}));
  transport_.push(answer(429, "", {{"retry-after", "2"}}));
  SlackNotifier n = make();
  const Result<PostedMessage> posted = n.post("C1", message());
  ASSERT_FALSE(posted.ok());
  EXPECT_EQ(posted.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(posted.error().retryAfter, seconds(2));
  EXPECT_EQ(transport_.requestCount(), 4u);  // one try and three retries
  EXPECT_EQ(sleeps(), (std::vector<nanoseconds>{seconds(1), seconds(30), seconds(1)}));
}

TEST_F(SlackNotifierTest, PacesOneMessagePerSecondPerChannel) {
  for (int i = 0; i < 4; ++i) transport_.push(answer(200, R"({"ok":true,"channel":"C1","ts":"1.1"})"));
  SlackNotifier n = make();
  ASSERT_TRUE(n.post("C1", message()).ok());
  ASSERT_TRUE(n.post("C2", message()).ok());
  EXPECT_TRUE(sleeps().empty()) << "different channels are not paced against each other";
  ASSERT_TRUE(n.post("C1", message()).ok());
  ASSERT_EQ(sleeps().size(), 1u);
  EXPECT_GE(sleeps()[0], milliseconds(900));
  EXPECT_LE(sleeps()[0], seconds(1));
  clock_.advance(seconds(5));
  ASSERT_TRUE(n.post("C1", message()).ok());
  EXPECT_EQ(sleeps().size(), 1u) << "no wait once the interval has passed";
}

TEST_F(SlackNotifierTest, UpdateSendsChannelAndTs) {
  transport_.push(answer(200, R"({"ok":true,"channel":"C1","ts":"1.5"})"));
  transport_.push(answer(200, R"({"ok":false,"error":"message_not_found"})"));
  SlackNotifier n = make();
  ASSERT_TRUE(n.update({"C1", "1.5"}, message("step 2 done")).ok());
  const http::ClientRequest r = transport_.requests().at(0);
  EXPECT_EQ(r.url, "https://slack.test/api/chat.update");
  EXPECT_EQ(r.headers.at("Authorization"), "Bearer " + kToken);
  const json body = json::parse(r.body);
  EXPECT_EQ(body["channel"], "C1");
  EXPECT_EQ(body["ts"], "1.5");
  EXPECT_EQ(body["text"], "step 2 done");
  const Status failed = n.update({"C1", "1.5"}, message());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kProtocol);
}

TEST_F(SlackNotifierTest, RespondPostsResponseJsonWithoutToken) {
  transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  Message m = message("done");
  m.ephemeral = true;
  m.replaceOriginal = true;
  ASSERT_TRUE(n.respond(kResponseUrl, m).ok());
  const http::ClientRequest r = transport_.requests().at(0);
  EXPECT_EQ(r.url, kResponseUrl);
  EXPECT_EQ(r.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.count("Authorization"), 0u);
  EXPECT_EQ(json::parse(r.body), m.toResponseJson());
}

TEST_F(SlackNotifierTest, RespondAtMostFiveTimesPerUrl) {
  for (int i = 0; i < 6; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(n.respond(kResponseUrl, message()).ok()) << i;
  const Status sixth = n.respond(kResponseUrl, message());
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(sixth.error().message, "this Slack response URL has been used 5 times");
  EXPECT_EQ(transport_.requestCount(), 5u);
  EXPECT_TRUE(n.respond(kResponseUrl + "x", message()).ok()) << "another URL has its own count";
}

TEST_F(SlackNotifierTest, RateLimitedRespondAttemptsDoNotCountAsUses) {
  transport_.push(answer(429, "", {{"retry-after", "2"}}));
  for (int i = 0; i < 5; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(n.respond(kResponseUrl, message()).ok()) << i;
  EXPECT_EQ(sleeps(), std::vector<nanoseconds>{seconds(2)});
  EXPECT_EQ(transport_.requestCount(), 6u);
  EXPECT_FALSE(n.respond(kResponseUrl, message()).ok());
}

TEST_F(SlackNotifierTest, RespondFailuresNameOnlyTheHost) {
  transport_.push(answer(404, "expired_url"));
  transport_.push(Error::make(ErrorKind::kTimeout, "deadline passed for " + kResponseUrl));
  SlackNotifier n = make();
  const Status rejected = n.respond(kResponseUrl, message());
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(rejected.error().httpStatus, 404);
  const Status timedOut = n.respond(kResponseUrl, message());
  ASSERT_FALSE(timedOut.ok());
  EXPECT_EQ(timedOut.error().kind, ErrorKind::kTimeout);
  for (const Status& s : {rejected, timedOut}) {
    EXPECT_EQ(s.error().message.find("96rGlfmib"), std::string::npos);
    EXPECT_EQ(s.error().detail.find("96rGlfmib"), std::string::npos);
    EXPECT_NE(s.error().message.find("hooks.slack.com"), std::string::npos) << s.error().message;
  }
  EXPECT_EQ(transport_.requestCount(), 2u) << "a failed response_url POST is not retried";
}

// A response_url is a credential for the conversation: plain http:// would hand it, and the reply,
// to anyone on the path. Only loopback (tests, the demo) may use it.
TEST_F(SlackNotifierTest, RespondRefusesPlainHttpExceptLoopback) {
  SlackNotifier n = make();
  for (const std::string url : {"http://hooks.slack.com/commands/T1/397700885554/96rGlfmibIGlgcZRskXaIFfN",
                                "http://10.0.0.7:8080/commands/T1/2/96rGlfmibIGlgcZRskXaIFfN",
                                "ftp://hooks.slack.com/96rGlfmibIGlgcZRskXaIFfN",
                                "not a url 96rGlfmibIGlgcZRskXaIFfN"}) {
    const Status s = n.respond(url, message());
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.error().kind, ErrorKind::kProtocol);
    EXPECT_EQ(s.error().message.find("96rGlfmib"), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().detail.find("96rGlfmib"), std::string::npos) << s.error().detail;
  }
  EXPECT_NE(n.respond("http://hooks.slack.com/x/96rGlfmib", message()).error().message.find("hooks.slack.com"),
            std::string::npos);
  EXPECT_TRUE(transport_.requests().empty()) << "nothing was posted";

  transport_.push(answer(200, "ok"));
  transport_.push(answer(200, "ok"));
  EXPECT_TRUE(n.respond("http://127.0.0.1:4000/commands/1/2/abc", message()).ok());
  EXPECT_TRUE(n.respond("http://localhost:4000/commands/1/2/abc", message()).ok());
  EXPECT_EQ(transport_.requestCount(), 2u);
}

// Answers 200 "ok" and keeps nothing, so the heap holds only what the notifier keeps.
class OkTransport final : public http::Transport {
 public:
  Result<http::ClientResponse> send(const http::ClientRequest&) override {
    http::ClientResponse r;
    r.status = 200;
    r.body = "ok";
    return r;
  }
};

// A response_url shaped like the ones Slack mints (80 characters), distinct for each i.
std::string responseUrl(int i) {
  std::string id = std::to_string(i);
  return "https://hooks.slack.com/commands/T0PATBOT1/" + std::string(12 - std::min<size_t>(12, id.size()), '0') + id +
         "/96rGlfmibIGlgcZRskXaIFfN";
}

TEST_F(SlackNotifierTest, FiveUsesPerUrlWhateverTheInterleaving) {
  SlackNotifier n = make();
  constexpr int kUrls = 50;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < kUrls; ++i) {
      transport_.push(answer(200, "ok"));
      ASSERT_TRUE(n.respond(responseUrl(i), message()).ok()) << "url " << i << " use " << round + 1;
    }
  }
  for (int i = 0; i < kUrls; ++i) {
    const Status sixth = n.respond(responseUrl(i), message());
    ASSERT_FALSE(sixth.ok()) << i;
    EXPECT_EQ(sixth.error().kind, ErrorKind::kConflict);
  }
  EXPECT_EQ(transport_.requestCount(), 5u * kUrls) << "a refused use sends nothing";
  EXPECT_EQ(n.trackedResponseUrls(), static_cast<size_t>(kUrls));
}

TEST_F(SlackNotifierTest, UsesCountForThirtyMinutesFromTheFirstUse) {
  for (int i = 0; i < 7; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  ASSERT_TRUE(n.respond(kResponseUrl, message()).ok());
  clock_.advance(std::chrono::minutes(20));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(n.respond(kResponseUrl, message()).ok()) << i;
  clock_.advance(std::chrono::minutes(10));  // exactly 30 minutes after the first use: still counted
  EXPECT_EQ(n.respond(kResponseUrl, message()).error().kind, ErrorKind::kConflict);
  EXPECT_EQ(n.trackedResponseUrls(), 1u);
  EXPECT_EQ(transport_.requestCount(), 5u);

  // The window runs from the first use, not the last: one second later the count is forgotten
  // (Slack has expired the URL; what it answers is its business) and the URL is tracked afresh.
  clock_.advance(seconds(1));
  EXPECT_TRUE(n.respond(kResponseUrl, message()).ok());
  EXPECT_EQ(n.trackedResponseUrls(), 1u);
  EXPECT_EQ(transport_.requestCount(), 6u);
}

TEST_F(SlackNotifierTest, UrlsOlderThanThirtyMinutesArePruned) {
  for (int i = 0; i < 20; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(n.respond(responseUrl(i), message()).ok());
  clock_.advance(std::chrono::minutes(20));
  for (int i = 3; i < 5; ++i) ASSERT_TRUE(n.respond(responseUrl(i), message()).ok());
  EXPECT_EQ(n.trackedResponseUrls(), 5u);

  // 31 minutes after the first three: any use prunes them, and only them.
  clock_.advance(std::chrono::minutes(11));
  ASSERT_TRUE(n.respond(responseUrl(3), message()).ok());
  EXPECT_EQ(n.trackedResponseUrls(), 2u);
  // The survivors keep their counts: url 3 has 2 uses, so 3 more are allowed, then none.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(n.respond(responseUrl(3), message()).ok()) << i;
  EXPECT_EQ(n.respond(responseUrl(3), message()).error().kind, ErrorKind::kConflict);

  clock_.advance(std::chrono::minutes(30));
  ASSERT_TRUE(n.respond(responseUrl(9), message()).ok());
  EXPECT_EQ(n.trackedResponseUrls(), 1u) << "only the URL just used is left";
}

TEST_F(SlackNotifierTest, TrackedUrlsStayBoundedByTheThirtyMinuteWindow) {
  // One new response_url a second for two hours, as a busy workspace would send: the count of
  // tracked URLs levels off at the 30-minute window (1,801 first uses within it, both ends
  // counted) instead of growing with the total.
  OkTransport transport;
  SlackNotifier n(transport, "https://slack.test/api", Secret(kToken), clock_, nullptr);
  size_t most = 0;
  for (int i = 0; i < 7200; ++i) {
    ASSERT_TRUE(n.respond(responseUrl(i), message()).ok()) << i;
    most = std::max(most, n.trackedResponseUrls());
    clock_.advance(seconds(1));
  }
  EXPECT_EQ(most, 1801u);
  EXPECT_EQ(n.trackedResponseUrls(), 1801u);
}

TEST_F(SlackNotifierTest, FailedAttemptsReleaseTheirUse) {
  transport_.push(Error::make(ErrorKind::kUnavailable, "connection refused"));
  transport_.push(Error::make(ErrorKind::kTimeout, "deadline passed"));
  for (int i = 0; i < 6; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  EXPECT_EQ(n.respond(kResponseUrl, message()).error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(n.respond(kResponseUrl, message()).error().kind, ErrorKind::kTimeout);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(n.respond(kResponseUrl, message()).ok()) << "use " << i + 1;
  EXPECT_EQ(n.respond(kResponseUrl, message()).error().kind, ErrorKind::kConflict);
  EXPECT_EQ(transport_.requestCount(), 7u);
  // Releasing one URL's attempts never gives uses to another.
  EXPECT_TRUE(n.respond(responseUrl(1), message()).ok());
  EXPECT_EQ(n.trackedResponseUrls(), 2u);
}

TEST_F(SlackNotifierTest, RefusedUsesAreNotReleased) {
  // A 6th call is refused before sending; it must not give back one of the five real uses.
  for (int i = 0; i < 5; ++i) transport_.push(answer(200, "ok"));
  SlackNotifier n = make();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(n.respond(kResponseUrl, message()).ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(n.respond(kResponseUrl, message()).error().kind, ErrorKind::kConflict);
  EXPECT_EQ(transport_.requestCount(), 5u);
}

using patbot::sanitizers::kMallocReplaced;

// What the response_url bookkeeping costs per URL on the heap: glibc's count of bytes in use,
// allocator overhead and mmapped blocks (a large bucket array) included. A std::map keyed by the
// full URL cost 192 bytes per 80-character URL (bench/soak: RSS grew with every /pat status);
// the bound catches a return to that. About 58 now.
TEST(SlackNotifierMemoryTest, ResponseUrlBookkeepingCostsUnder100BytesPerUrl) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  if (kMallocReplaced) GTEST_SKIP() << "a sanitizer replaces malloc; mallinfo2 does not see its heap";
  OkTransport transport;
  FakeClock clock{TimePoint(seconds(1700000000))};
  SlackNotifier n(transport, "https://slack.test/api", Secret(kToken), clock, nullptr);
  const Message m = textMessage("done", false);
  ASSERT_TRUE(n.respond(responseUrl(0), m).ok());  // first-use allocations (spdlog, json) out of the way
  constexpr int kUrls = 20000;
  auto heapInUse = [] {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
  };
  const size_t before = heapInUse();
  for (int i = 1; i <= kUrls; ++i) {
    ASSERT_TRUE(n.respond(responseUrl(i), m).ok());
  }
  const size_t after = heapInUse();
  ASSERT_EQ(n.trackedResponseUrls(), static_cast<size_t>(kUrls) + 1);
  const double perUrl = (static_cast<double>(after) - static_cast<double>(before)) / kUrls;
  std::cout << "[memory] response_url bookkeeping: " << perUrl << " heap bytes per URL (" << kUrls << " URLs of "
            << responseUrl(0).size() << " characters)\n";
  RecordProperty("heap_bytes_per_url", static_cast<int>(perUrl));
  EXPECT_LT(perUrl, 100.0);
#else
  GTEST_SKIP() << "needs glibc's mallinfo2";
#endif
}

TEST(UrlHostTest, ExtractsHostAndPort) {
  EXPECT_EQ(urlHost("https://hooks.slack.com/commands/T1/2/3"), "hooks.slack.com");
  EXPECT_EQ(urlHost("http://127.0.0.1:8123/r/1?x=y"), "127.0.0.1:8123");
  EXPECT_EQ(urlHost("http://user:pw@host.example"), "host.example");
  EXPECT_EQ(urlHost("not a url"), "");
}

}  // namespace
}  // namespace patbot::slack
