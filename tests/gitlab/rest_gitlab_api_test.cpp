#include "gitlab/rest_gitlab_api.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "core/metrics.h"
#include "tests/support/gitlab_client_fixture.h"
#include "tests/support/log_capture.h"
#include "tests/support/outcome.h"

namespace patbot::gitlab {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using namespace patbot::testing;   // the scripted GitLab of tests/support

using GitLabRestApiTest = GitLabClientTest;

std::string accountJson(int id, const std::string& username) {
  return R"({"id":)" + std::to_string(id) + R"(,"username":")" + username + R"(","name":"SA )" + username + R"("})";
}

std::string tokenJson(int id, int userId, const std::string& name = "t") {
  return R"({"id":)" + std::to_string(id) + R"(,"name":")" + name +
         R"(","revoked":false,"created_at":"2024-07-11T18:55:07.266Z","description":null,"scopes":["api"],"user_id":)" +
         std::to_string(userId) + R"(,"last_used_at":null,"active":true,"expires_at":"2025-07-11"})";
}

TEST_F(GitLabRestApiTest, InstanceModeFollowsThreePagesOfServiceAccounts) {
  transport_.push(page("[" + accountJson(30, "c") + "," + accountJson(20, "b") + "]", "2", "1"));
  transport_.push(page("[" + accountJson(10, "a") + "]", "3", "2"));
  transport_.push(page("[" + accountJson(5, "z") + "]", "", "3"));
  RestGitLabApi api(transport_, options());

  auto accounts = api.listServiceAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.error().message;
  ASSERT_EQ(accounts->size(), 4u);
  EXPECT_EQ((*accounts)[0].id, 5);
  EXPECT_EQ((*accounts)[3].id, 30);
  EXPECT_EQ(urls(), (std::vector<std::string>{
                        kGitLabApiBase + "/service_accounts?order_by=id&sort=asc&per_page=100&page=1",
                        kGitLabApiBase + "/service_accounts?order_by=id&sort=asc&per_page=100&page=2",
                        kGitLabApiBase + "/service_accounts?order_by=id&sort=asc&per_page=100&page=3"}));
  for (const auto& r : transport_.requests()) {
    EXPECT_EQ(r.method, "GET");
    ASSERT_EQ(r.headers.count("PRIVATE-TOKEN"), 1u);
    EXPECT_EQ(r.headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
    EXPECT_EQ(r.deadline, 30000ms);
  }
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRestApiTest, InstanceModeFollowsThreePagesOfTokens) {
  transport_.push(page("[" + tokenJson(3, 57) + "]", "2"));
  transport_.push(page("[" + tokenJson(1, 57) + "]", "3"));
  transport_.push(page("[" + tokenJson(2, 57) + "]", ""));
  RestGitLabApi api(transport_, options());

  auto tokens = api.listTokens(TokenOwner{57, "inventory-bot", "Inventory"});
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].id, 1);
  EXPECT_EQ((*tokens)[2].id, 3);
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/personal_access_tokens?user_id=57&per_page=100&page=1",
                                              kGitLabApiBase + "/personal_access_tokens?user_id=57&per_page=100&page=2",
                                              kGitLabApiBase + "/personal_access_tokens?user_id=57&per_page=100&page=3"}));
  for (const auto& r : transport_.requests()) EXPECT_EQ(r.headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
}

TEST_F(GitLabRestApiTest, GroupModeEncodesTheGroupPathAndPaginates) {
  transport_.push(page("[" + accountJson(1, "a") + "]", "2"));
  transport_.push(page("[" + accountJson(2, "b") + "]", "3"));
  transport_.push(page("[" + accountJson(3, "c") + "]", ""));
  transport_.push(page("[" + tokenJson(11, 2) + "]", "2"));
  transport_.push(page("[" + tokenJson(12, 2) + "]", "3"));
  transport_.push(page("[" + tokenJson(13, 2) + "]", ""));
  RestGitLabApi api(transport_, options(Mode::kGroup, "sec/team"));

  auto accounts = api.listServiceAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.error().message;
  EXPECT_EQ(accounts->size(), 3u);
  auto tokens = api.listTokens((*accounts)[1]);
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->size(), 3u);

  const std::string accountsPath = kGitLabApiBase + "/groups/sec%2Fteam/service_accounts?order_by=id&sort=asc&per_page=100&page=";
  const std::string tokensPath = kGitLabApiBase + "/groups/sec%2Fteam/service_accounts/2/personal_access_tokens?per_page=100&page=";
  EXPECT_EQ(urls(), (std::vector<std::string>{accountsPath + "1", accountsPath + "2", accountsPath + "3",
                                              tokensPath + "1", tokensPath + "2", tokensPath + "3"}));
  for (const auto& r : transport_.requests()) EXPECT_EQ(r.headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
}

TEST_F(GitLabRestApiTest, GroupIdAndTrailingApiSuffixAreHandled) {
  transport_.push(page("[]", ""));
  auto o = options(Mode::kGroup, "265");
  o.baseUrl = "https://gitlab.example.com/api/v4/";
  RestGitLabApi api(transport_, std::move(o));
  ASSERT_TRUE(api.listServiceAccounts().ok());
  EXPECT_EQ(urls(), std::vector<std::string>{kGitLabApiBase + "/groups/265/service_accounts?order_by=id&sort=asc&per_page=100&page=1"});
}

TEST_F(GitLabRestApiTest, StopsOnAnEmptyPageEvenIfNextPageIsAnnounced) {
  transport_.push(page("[" + accountJson(1, "a") + "]", "2"));
  transport_.push(page("[]", "3"));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->size(), 1u);
  EXPECT_EQ(transport_.requestCount(), 2u);
}

TEST_F(GitLabRestApiTest, MalformedPageIsAProtocolError) {
  transport_.push(page("[" + accountJson(1, "a") + "]", "2"));
  transport_.push(page("<html>Sign in</html>", ""));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(accounts.error().message, "GitLab sent an answer patbot could not read while listing service accounts");
  EXPECT_NE(accounts.error().detail.find("page 2"), std::string::npos) << accounts.error().detail;
}

TEST_F(GitLabRestApiTest, HonoursRetryAfterOn429) {
  transport_.push(answer(429, "Retry later", {{"retry-after", "7"}, {"content-type", "text/plain"}}));
  transport_.push(answer(429, R"({"message":{"error":"This endpoint has been requested too many times. Try again later."}})"));
  transport_.push(answer(429, "Retry later", {{"retry-after", "600"}}));
  transport_.push(page("[]", ""));
  RestGitLabApi api(transport_, options());

  ASSERT_TRUE(api.listServiceAccounts().ok());
  // Header honoured; absent -> the first backoff step, 1 s with jitter; 600 s capped at 60 s.
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_EQ(sleeps[0], 7000ms);
  EXPECT_GE(sleeps[1], 500ms);
  EXPECT_LE(sleeps[1], 1000ms);
  EXPECT_EQ(sleeps[2], 60000ms);
  EXPECT_EQ(transport_.requestCount(), 4u);
}

TEST_F(GitLabRestApiTest, RetriesA5xxThenSucceeds) {
  transport_.push(answer(502, "<html>Bad Gateway</html>"));
  transport_.push(page("[" + accountJson(1, "a") + "]", ""));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.error().message;
  EXPECT_EQ(accounts->size(), 1u);
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_GE(clock_.sleeps()[0], 125ms);
  EXPECT_LE(clock_.sleeps()[0], 250ms);
}

TEST_F(GitLabRestApiTest, RetriesATransportErrorThenSucceeds) {
  transport_.push(Error::make(ErrorKind::kUnavailable, "connection refused"));
  transport_.push(Error::make(ErrorKind::kTimeout, "no answer"));
  transport_.push(answer(200, tokenJson(9, 3)));
  RestGitLabApi api(transport_, options());
  auto self = api.selfToken();
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->id, 9);
  EXPECT_EQ(urls(), std::vector<std::string>(3, kGitLabApiBase + "/personal_access_tokens/self"));
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(GitLabRestApiTest, RetriesAConnectionClosedBeforeTheAnswer) {
  // A dropped connection reaches us as kProtocol ("the answer could not be read"): no complete
  // answer arrived, so a GET is simply sent again.
  transport_.push(Error::make(ErrorKind::kProtocol, "the answer from gitlab.example.com could not be read"));
  transport_.push(answer(200, tokenJson(9, 3)));
  RestGitLabApi api(transport_, options());
  auto self = api.selfToken();
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(transport_.requestCount(), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(GitLabRestApiTest, GivesUpWhenAttemptsAreExhausted) {
  transport_.answerAlways(answer(503, R"({"message":"503 Service Unavailable"})"));
  auto o = options();
  o.maxAttempts = 4;
  o.maxBackoff = 400ms;
  RestGitLabApi api(transport_, std::move(o));
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(accounts.error().httpStatus, 503);
  EXPECT_EQ(accounts.error().message,
            "GitLab is having trouble (503 Service Unavailable) while listing service accounts");
  EXPECT_EQ(transport_.requestCount(), 4u);
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_LE(sleeps[0], 250ms);   // 250 ms with jitter
  EXPECT_GE(sleeps[1], 200ms);   // doubled to 400 ms (the cap), with jitter
  EXPECT_LE(sleeps[2], 400ms);   // stays at the cap
}

TEST_F(GitLabRestApiTest, TransportErrorsExhaustedNameTheHost) {
  transport_.answerAlways(Error::make(ErrorKind::kUnavailable, "connection refused"));
  auto o = options();
  o.maxAttempts = 2;
  RestGitLabApi api(transport_, std::move(o));
  EXPECT_EQ(outcomeOf(api.listServiceAccounts()),
            "unavailable: GitLab at gitlab.example.com could not be reached while listing service accounts: connection "
            "refused");
  EXPECT_EQ(transport_.requestCount(), 2u);
}

TEST_F(GitLabRestApiTest, ClientErrorsAreNotRetried) {
  transport_.answerAlways(answer(401, R"({"message":"401 Unauthorized"})"));
  RestGitLabApi api(transport_, options());
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(transport_.requestCount(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRestApiTest, ARetryAfterBeyondTheDeadlineGivesUpWithoutWaiting) {
  transport_.push(answer(429, "Retry later", {{"retry-after", "30"}}));
  auto o = options();
  o.operationDeadline = 10s;
  RestGitLabApi api(transport_, std::move(o));
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(accounts.error().httpStatus, 429);
  EXPECT_EQ(accounts.error().message,
            "GitLab rate-limited patbot (429 Too Many Requests) while listing service accounts and asked for a longer "
            "wait than the 10 seconds patbot allows a call: try again in 30 seconds");
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRestApiTest, OperationDeadlineBoundsRetriesAndPages) {
  // Each call takes 4 s of (virtual) time and pages never end; the whole call must stop by 10 s.
  int calls = 0;
  transport_.setHandler([this, &calls](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    clock_.advance(4000ms);
    if (++calls % 2 == 0) return Error::make(ErrorKind::kTimeout, "no answer");
    (void)r;
    return page("[" + accountJson(calls, "a" + std::to_string(calls)) + "]", std::to_string(calls + 1));
  });
  auto o = options();
  o.operationDeadline = 10s;
  o.requestDeadline = 5s;
  const auto start = clock_.steadyNow();
  RestGitLabApi api(transport_, std::move(o));
  EXPECT_EQ(outcomeOf(api.listServiceAccounts()),
            "timeout: GitLab did not answer within 10 seconds while listing service accounts");
  EXPECT_LE(clock_.steadyNow() - start, 10s + 4s);   // the last request may itself have used its time
  auto requests = transport_.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].deadline, 5000ms);
  // Later requests get only what is left of the operation.
  EXPECT_LT(requests.back().deadline, 5000ms);
  for (const auto& r : requests) EXPECT_GT(r.deadline, 0ms);
}

TEST_F(GitLabRestApiTest, InventorySortsAndCountsRequests) {
  transport_.setHandler([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    if (r.url.find("/service_accounts?") != std::string::npos) {
      return page("[" + accountJson(2, "zeta") + "," + accountJson(1, "alpha") + "]", "");
    }
    if (r.url.find("user_id=1&") != std::string::npos) return page("[" + tokenJson(8, 1) + "," + tokenJson(3, 1) + "]", "");
    return page("[]", "");
  });
  RestGitLabApi api(transport_, options());
  auto inv = api.inventory();
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  ASSERT_EQ(inv->accounts.size(), 2u);
  EXPECT_EQ(inv->accounts[0].account.username, "alpha");
  EXPECT_EQ(inv->accounts[1].account.username, "zeta");
  ASSERT_EQ(inv->accounts[0].tokens.size(), 2u);
  EXPECT_EQ(inv->accounts[0].tokens[0].id, 3);
  EXPECT_EQ(inv->accounts[0].tokens[1].id, 8);
  EXPECT_TRUE(inv->accounts[1].tokens.empty());
  EXPECT_EQ(inv->requests, 3);
}

TEST_F(GitLabRestApiTest, InventoryFailsAsAWholeWhenOneListingFails) {
  transport_.setHandler([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    if (r.url.find("/service_accounts?") != std::string::npos) {
      std::string body = "[";
      for (int i = 1; i <= 10; ++i) body += (i > 1 ? "," : "") + accountJson(i, "sa" + std::to_string(i));
      return page(body + "]", "");
    }
    if (r.url.find("user_id=7&") != std::string::npos) return answer(404, R"({"message":"404 User Not Found"})");
    return page("[" + tokenJson(100, 1) + "]", "");
  });
  RestGitLabApi api(transport_, options());
  auto inv = api.inventory();
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(inv.error().message.find("sa7"), std::string::npos) << inv.error().message;
}

// A transport that takes ~5 ms of real time per call and records the most calls in flight at once.
class InFlightCounter {
 public:
  ScriptedTransport::Handler handler(int accounts) {
    return [this, accounts](const http::ClientRequest& r) -> Result<http::ClientResponse> {
      int now = ++inFlight_;
      int seen = max_.load();
      while (now > seen && !max_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(5ms);
      --inFlight_;
      if (r.url.find("/service_accounts?") != std::string::npos) {
        std::string body = "[";
        for (int i = 1; i <= accounts; ++i) body += (i > 1 ? "," : "") + accountJson(i, "sa" + std::to_string(1000 + i));
        return page(body + "]", "");
      }
      auto pos = r.url.find("user_id=");
      int uid = std::stoi(r.url.substr(pos + 8));
      return page("[" + tokenJson(uid * 10, uid) + "]", "");
    };
  }
  int max() const { return max_.load(); }

 private:
  std::atomic<int> inFlight_{0};
  std::atomic<int> max_{0};
};

TEST_F(GitLabRestApiTest, InventoryStaysWithinConcurrencyAndUsesIt) {
  InFlightCounter counter;
  transport_.setHandler(counter.handler(40));
  auto o = options();
  o.concurrency = 4;
  o.clock = nullptr;   // real time: the transport really sleeps
  RestGitLabApi api(transport_, std::move(o));

  auto inv = api.inventory();
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_EQ(inv->accounts.size(), 40u);
  EXPECT_EQ(inv->requests, 41);
  for (const auto& a : inv->accounts) {
    ASSERT_EQ(a.tokens.size(), 1u);
    EXPECT_EQ(a.tokens[0].userId, a.account.id);
  }
  EXPECT_TRUE(std::is_sorted(inv->accounts.begin(), inv->accounts.end(),
                             [](const auto& x, const auto& y) { return x.account.username < y.account.username; }));
  EXPECT_LE(counter.max(), 4);
  EXPECT_GT(counter.max(), 1);
}

TEST_F(GitLabRestApiTest, ConcurrentCallersShareTheLimit) {
  InFlightCounter counter;
  transport_.setHandler(counter.handler(40));
  auto o = options();
  o.concurrency = 3;
  o.clock = nullptr;
  RestGitLabApi api(transport_, std::move(o));

  std::vector<std::thread> callers;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] {
      if (api.inventory().ok()) ++succeeded;
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(succeeded.load(), 3);
  EXPECT_LE(counter.max(), 3);
  EXPECT_GT(counter.max(), 1);
}

TEST_F(GitLabRestApiTest, TokenSelfAuthenticatesWithTheGivenToken) {
  const std::string given = "glpat-GivenTokenValue00002";
  transport_.push(answer(200, tokenJson(77, 3)));
  transport_.push(answer(200, tokenJson(5, 1)));
  RestGitLabApi api(transport_, options());

  auto checked = api.tokenSelf(Secret(given));
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  EXPECT_EQ(checked->id, 77);
  auto own = api.selfToken();
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->id, 5);

  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, kGitLabApiBase + "/personal_access_tokens/self");
  EXPECT_EQ(requests[0].headers.at("PRIVATE-TOKEN"), given);
  EXPECT_EQ(requests[1].headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
}

TEST_F(GitLabRestApiTest, TokenSelfOnARevokedTokenSaysSoWithoutBotAdvice) {
  transport_.push(answer(401, R"({"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."})"));
  RestGitLabApi api(transport_, options());
  auto checked = api.tokenSelf(Secret("glpat-Revoked0000000000003"));
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().kind, ErrorKind::kUnauthorized);
  EXPECT_NE(checked.error().message.find("GitLab says the token is revoked"), std::string::npos);
  EXPECT_EQ(checked.error().message.find("GITLAB_TOKEN"), std::string::npos);
  EXPECT_EQ(transport_.requestCount(), 1u);
}

TEST_F(GitLabRestApiTest, RecordsMetricsByRouteTemplate) {
  MetricsRegistry metrics;
  transport_.push(answer(500, R"({"message":"500 Internal Server Error"})"));
  transport_.push(page("[" + accountJson(4, "a") + "]", ""));
  transport_.push(Error::make(ErrorKind::kUnavailable, "reset"));
  transport_.push(page("[]", ""));
  auto o = options(Mode::kGroup, "sec/team");
  o.metrics = &metrics;
  RestGitLabApi api(transport_, std::move(o));
  ASSERT_TRUE(api.inventory().ok());

  std::string text = metrics.render();
  EXPECT_NE(text.find(R"(patbot_gitlab_requests_total{endpoint="/groups/:id/service_accounts",status="500"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(patbot_gitlab_requests_total{endpoint="/groups/:id/service_accounts",status="200"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(endpoint="/groups/:id/service_accounts/:user_id/personal_access_tokens",status="error"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("patbot_gitlab_request_duration_seconds_count"), std::string::npos) << text;
  EXPECT_EQ(text.find("sec%2Fteam"), std::string::npos);
  EXPECT_EQ(text.find(kGitLabBotToken), std::string::npos);
}

TEST_F(GitLabRestApiTest, NoErrorOrLogLineContainsATokenValue) {
  const std::string given = "glpat-GivenTokenValue00009";
  std::vector<Error> errors;
  const std::string logs = logsOf([&] {
    // Every failure path: 4xx shapes, 5xx with retries, 429, transport errors, bad JSON, deadline.
    transport_.setHandler([n = 0](const http::ClientRequest&) mutable -> Result<http::ClientResponse> {
      switch (n++ % 8) {
        case 0: return answer(401, R"({"message":"401 Unauthorized"})");
        case 1: return answer(503, "");
        case 2: return answer(429, "Retry later", {{"retry-after", "2"}});
        case 3: return Error::make(ErrorKind::kUnavailable, "connection refused");
        case 4: return answer(200, "{not json");
        case 5: return answer(403, R"({"error":"insufficient_scope","scope":"api"})");
        case 6: return answer(200, R"([{"id":"x"}])");
        default: return answer(404, R"({"error":"404 Not Found"})");
      }
    });
    auto o = options();
    o.maxAttempts = 3;
    o.operationDeadline = 5s;
    RestGitLabApi api(transport_, std::move(o));
    for (int i = 0; i < 8; ++i) {
      if (auto r = api.listServiceAccounts(); !r.ok()) errors.push_back(r.error());
      if (auto r = api.tokenSelf(Secret(given)); !r.ok()) errors.push_back(r.error());
      if (auto r = api.selfToken(); !r.ok()) errors.push_back(r.error());
      if (auto r = api.inventory(); !r.ok()) errors.push_back(r.error());
    }
  });

  ASSERT_FALSE(errors.empty());
  for (const auto& e : errors) {
    for (const std::string& secret : {kGitLabBotToken, given}) {
      EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
      EXPECT_EQ(e.detail.find(secret), std::string::npos) << e.detail;
    }
  }
  EXPECT_FALSE(logs.empty());
  EXPECT_EQ(logs.find(kGitLabBotToken), std::string::npos);
  EXPECT_EQ(logs.find(given), std::string::npos);
  // The token really was sent, so the check above is meaningful.
  bool sentGiven = false;
  for (const auto& r : transport_.requests()) sentGiven |= r.headers.at("PRIVATE-TOKEN") == given;
  EXPECT_TRUE(sentGiven);
}

}  // namespace
}  // namespace patbot::gitlab
