// RestGitLabApi after GitLab answers 429 (reference/gitlab-api.md §1.7), on virtual time:
// Retry-After, RateLimit-Reset (a Unix time), and the application limiters' 429 without either,
// which is retried with exponential backoff and jitter within the operation's deadline.
#include <gtest/gtest.h>

#include "gitlab/rate_limit.h"
#include "gitlab/rest_gitlab_api.h"
#include "tests/support/gitlab_client_fixture.h"
#include "tests/support/outcome.h"

namespace patbot::gitlab {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using namespace patbot::testing;   // the scripted GitLab of tests/support

// The application limiter's 429: no Retry-After, no RateLimit-* headers.
const std::string kAppLimited = R"({"message":{"error":"This endpoint has been requested too many times. Try again later."}})";

std::string unixSeconds(std::chrono::system_clock::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

class GitLabRateLimitTest : public GitLabClientTest {
 protected:
  // GitLab answers a listing once with 429 and `headers`, then with an empty page: the waits in
  // between (and a test failure when the listing does not succeed).
  std::vector<nanoseconds> waitsAfterOne429(http::Headers headers, std::string body = kAppLimited) {
    transport_.push(answer(429, std::move(body), std::move(headers)));
    transport_.push(page("[]", ""));
    RestGitLabApi api(transport_, options());
    EXPECT_TRUE(api.listServiceAccounts().ok());
    return clock_.sleeps();
  }

  // One wait, the first step of the backoff: a second with jitter, [0.5 s, 1 s].
  static void expectFirstBackoff(const std::vector<nanoseconds>& waits) {
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_GE(waits[0], 500ms);
    EXPECT_LE(waits[0], 1000ms);
  }
};

TEST_F(GitLabRateLimitTest, A429WithoutHeadersIsRetriedWithGrowingJitteredWaits) {
  for (int i = 0; i < 6; ++i) transport_.push(answer(429, kAppLimited));
  transport_.push(page("[]", ""));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.error().message;
  // Six 429s in a row: more than maxAttempts (5), which counts failures, not "come back later".
  EXPECT_EQ(transport_.requestCount(), 7u);
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 6u);
  milliseconds step = 1000ms;
  for (size_t i = 0; i < sleeps.size(); ++i, step *= 2) {
    EXPECT_GE(sleeps[i], step / 2) << "wait " << i;
    EXPECT_LE(sleeps[i], step) << "wait " << i;
  }
}

TEST_F(GitLabRateLimitTest, A429WithoutHeadersForeverStopsAtTheDeadlineAndSaysSo) {
  transport_.answerAlways(answer(429, kAppLimited));
  const auto start = clock_.steadyNow();
  RestGitLabApi api(transport_, options());   // operationDeadline 100 s
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(accounts.error().httpStatus, 429);
  // The last backoff is cut short to leave 2 s for one last try before the deadline.
  EXPECT_EQ(clock_.steadyNow() - start, 98s);
  EXPECT_EQ(accounts.error().message,
            "GitLab rate-limited patbot (429 Too Many Requests) while listing service accounts; patbot tried for 98 "
            "of the 100 seconds it allows a call: try again in a few minutes");
  auto sleeps = clock_.sleeps();
  ASSERT_GE(sleeps.size(), 7u);
  for (auto s : sleeps) EXPECT_LE(s, 60000ms);
  // 1, 2, 4, 8, 16, 32 s steps, then the 60 s cap (each with jitter: [step/2, step]).
  EXPECT_GE(sleeps[5], 16000ms);
  EXPECT_LE(sleeps[5], 32000ms);
  EXPECT_GE(*std::max_element(sleeps.begin(), sleeps.end()), 30000ms);
  EXPECT_EQ(transport_.requestCount(), sleeps.size() + 1);
}

TEST_F(GitLabRateLimitTest, A429WithRateLimitResetWaitsUntilThen) {
  EXPECT_EQ(waitsAfterOne429({{"ratelimit-reset", unixSeconds(clock_.now() + 42s)}, {"ratelimit-remaining", "0"}},
                             "Retry later"),
            (std::vector<nanoseconds>{42000ms}));
}

TEST_F(GitLabRateLimitTest, ARateLimitResetBeyondTheDeadlineGivesUpAtOnce) {
  transport_.push(answer(429, kAppLimited, {{"RateLimit-Reset", unixSeconds(clock_.now() + 1h)}}));
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.listServiceAccounts()),
            "rate_limited: GitLab rate-limited patbot (429 Too Many Requests) while listing service accounts and asked "
            "for a longer wait than the 100 seconds patbot allows a call: try again after 10:00:00 UTC");
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(transport_.requestCount(), 1u);
}

TEST_F(GitLabRateLimitTest, ARateLimitResetInThePastFallsBackToBackoff) {
  // A skewed clock: the reset GitLab names has passed already by ours.
  expectFirstBackoff(waitsAfterOne429({{"ratelimit-reset", unixSeconds(clock_.now() - 5s)}}));
}

TEST_F(GitLabRateLimitTest, RetryAfterWinsOverRateLimitReset) {
  // Rack::Attack sends both; Retry-After is honoured as before.
  EXPECT_EQ(waitsAfterOne429({{"retry-after", "3"}, {"ratelimit-reset", unixSeconds(clock_.now() + 50s)}}, "Retry later"),
            (std::vector<nanoseconds>{3000ms}));
}

TEST_F(GitLabRateLimitTest, ARetryAfterOfZeroIsTreatedAsNoHeader) {
  expectFirstBackoff(waitsAfterOne429({{"retry-after", "0"}}, "Retry later"));
}

TEST_F(GitLabRateLimitTest, RetryAfterRepeatedIsHonouredUntilTheDeadline) {
  transport_.answerAlways(answer(429, "Retry later", {{"retry-after", "30"}}));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(clock_.sleeps(), (std::vector<nanoseconds>{30000ms, 30000ms, 30000ms}));
  EXPECT_EQ(accounts.error().message,
            "GitLab rate-limited patbot (429 Too Many Requests) while listing service accounts; patbot tried for 90 "
            "of the 100 seconds it allows a call: try again in 30 seconds");
  EXPECT_EQ(accounts.error().retryAfter, 30s);
}

TEST_F(GitLabRateLimitTest, APostIsSentAgainAfterEach429WithinTheDeadline) {
  for (int i = 0; i < 6; ++i) transport_.push(answer(429, kAppLimited));
  transport_.push(answer(201, R"({"id":1,"body":"x"})"));
  RestGitLabApi api(transport_, options());
  auto noted = api.addIssueNote("sec/team", 262, "x");
  ASSERT_TRUE(noted.ok()) << noted.error().message;
  EXPECT_EQ(transport_.requestCount(), 7u);
}

TEST_F(GitLabRateLimitTest, A429ThatRunsOutOfTimeIsNotAMaybeCreatedToken) {
  transport_.answerAlways(answer(429, kAppLimited));
  auto o = options();
  o.operationDeadline = 10s;
  RestGitLabApi api(transport_, std::move(o));
  auto created = api.createToken(TokenOwner{10, "inventory-bot", "Inventory"},
                                 TokenSpec{"t", std::nullopt, {"api"}, Date(std::chrono::year(2026) / 1 / 1)});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(created.error().httpStatus, 429);
  EXPECT_EQ(created.error().detail.find("may or may not"), std::string::npos) << created.error().detail;
}

TEST(RateLimitTest, ResetHeaderIsUnixSeconds) {
  using std::chrono::system_clock;
  EXPECT_EQ(rateLimitResetAt({{"RateLimit-Reset", "1580393717"}}), system_clock::time_point(1580393717s));
  EXPECT_EQ(rateLimitResetAt({{"ratelimit-reset", " 1580393717 "}}), system_clock::time_point(1580393717s));
  EXPECT_FALSE(rateLimitResetAt({{"ratelimit-reset", "Thu, 30 Jan 2020 14:15:17 GMT"}}).has_value());
  EXPECT_FALSE(rateLimitResetAt({{"ratelimit-reset", "-1"}}).has_value());
  EXPECT_FALSE(rateLimitResetAt({{"ratelimit-reset", "99999999999999999999"}}).has_value());
  EXPECT_FALSE(rateLimitResetAt({{"ratelimit-resettime", "1580393717"}}).has_value());
  EXPECT_FALSE(rateLimitResetAt({}).has_value());
}

TEST(RateLimitTest, BackoffDoublesToTheCap) {
  RateLimitBackoff backoff;
  const std::chrono::system_clock::time_point now(1749632400s);
  milliseconds step = 1000ms;
  for (int i = 0; i < 10; ++i) {
    auto w = backoff.next({}, now);
    EXPECT_EQ(w.source, RateLimitWait::Source::kBackoff);
    EXPECT_GE(w.wait, step / 2) << i;
    EXPECT_LE(w.wait, step) << i;
    step = std::min<milliseconds>(step * 2, 60000ms);
  }
  auto capped = backoff.next({{"retry-after", "600"}}, now);
  EXPECT_EQ(capped.source, RateLimitWait::Source::kRetryAfter);
  EXPECT_EQ(capped.wait, 60000ms);
  auto reset = backoff.next({{"ratelimit-reset", "1749632490"}}, now + 500ms);
  EXPECT_EQ(reset.source, RateLimitWait::Source::kReset);
  EXPECT_EQ(reset.wait, 89500ms);
}

}  // namespace
}  // namespace patbot::gitlab
