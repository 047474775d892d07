// RestGitLabApi's rotation calls against scripted answers: exact requests in both modes, which
// calls are retried, error sentences, and that a variable's value never leaks.
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/metrics.h"
#include "gitlab/gitlab_errors.h"
#include "gitlab/rest_gitlab_api.h"
#include "tests/support/gitlab_client_fixture.h"
#include "tests/support/log_capture.h"
#include "tests/support/outcome.h"

namespace patbot::gitlab {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::nanoseconds;
using namespace patbot::testing;   // the scripted GitLab of tests/support

const TokenOwner kInventory{10, "inventory-bot", "Inventory"};

std::string tokenJson(int id, int userId, bool revoked = false) {
  return json{{"id", id},
              {"name", "GitLab Security Service - Architecture - Inventory"},
              {"revoked", revoked},
              {"created_at", "2024-07-11T18:55:07.266Z"},
              {"description", "inventory builder"},
              {"scopes", {"api", "read_repository"}},
              {"user_id", userId},
              {"last_used_at", nullptr},
              {"active", !revoked},
              {"expires_at", "2026-07-11"}}
      .dump();
}

std::string createdJson(int id, int userId, const std::string& value) {
  json j = json::parse(tokenJson(id, userId));
  j["token"] = value;
  return j.dump();
}

std::string pipelineJson(int id, const std::string& status, const std::string& ref = "main") {
  return json{{"id", id},
              {"iid", 12},
              {"project_id", 5},
              {"status", status},
              {"ref", ref},
              {"sha", "a91957a8"},
              {"web_url", "https://gitlab.example.com/sec/inventory-builder/-/pipelines/" + std::to_string(id)}}
      .dump();
}

std::string variableJson(const std::string& value, const std::string& scope = "*") {
  return json{{"variable_type", "env_var"}, {"key", "GITLAB_API_TOKEN"}, {"value", value},
              {"hidden", false},            {"protected", true},          {"masked", true},
              {"raw", false},               {"environment_scope", scope}, {"description", nullptr}}
      .dump();
}

TokenSpec spec(std::optional<std::string> description = std::nullopt) {
  return TokenSpec{"GitLab Security Service - Architecture - Inventory", std::move(description),
                   {"api", "read_repository"}, Date(std::chrono::year(2027) / 6 / 30)};
}

VariableRef projectVariable(std::string scope = {}) {
  return VariableRef{VariableOwnerKind::kProject, "sec/inventory-builder", "GITLAB_API_TOKEN", std::move(scope)};
}

class GitLabRotationApiTest : public GitLabClientTest {
 protected:
  // createToken() when GitLab's first answer is `first`: the Error, as "<kind>: <message>". The
  // create may have happened, so the Error's detail must say so and it must not be sent again
  // (a second answer, a success, is queued for a retry that must not come).
  std::string createThatMayHaveHappened(Result<http::ClientResponse> first) {
    transport_.push(std::move(first));
    transport_.push(answer(201, createdJson(399, 10, "glpat-NeverReached000000000")));
    RestGitLabApi api(transport_, options());
    auto created = api.createToken(kInventory, spec());
    EXPECT_EQ(transport_.requestCount(), 1u) << "a create that may have happened was sent again";
    if (created) return "created";
    EXPECT_NE(created.error().detail.find("the create may or may not have happened"), std::string::npos)
        << created.error().detail;
    return outcomeOf(created);
  }
};

// --- tokens -----------------------------------------------------------------------------------

TEST_F(GitLabRotationApiTest, CreateTokenInstanceModePostsToTheUsersRoute) {
  transport_.push(answer(201, createdJson(300, 10, "glpat-NewTokenValue00000001")));
  RestGitLabApi api(transport_, options());
  auto created = api.createToken(kInventory, spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->token.id, 300);
  EXPECT_EQ(created->token.userId, 10);
  EXPECT_EQ(created->value.reveal(), "glpat-NewTokenValue00000001");

  auto r = onlyRequest();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kGitLabApiBase + "/users/10/personal_access_tokens");
  EXPECT_EQ(r.headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
  EXPECT_EQ(jsonBody(r), (json{{"name", "GitLab Security Service - Architecture - Inventory"},
                               {"scopes", {"api", "read_repository"}},
                               {"expires_at", "2027-06-30"}}));
}

TEST_F(GitLabRotationApiTest, CreateTokenGroupModePostsToTheServiceAccountRouteWithDescription) {
  transport_.push(answer(201, createdJson(301, 10, "glpat-NewTokenValue00000002")));
  RestGitLabApi api(transport_, options(Mode::kGroup, "sec/team"));
  auto created = api.createToken(kInventory, spec("inventory builder"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->token.id, 301);

  auto r = onlyRequest();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kGitLabApiBase + "/groups/sec%2Fteam/service_accounts/10/personal_access_tokens");
  EXPECT_EQ(jsonBody(r), (json{{"name", "GitLab Security Service - Architecture - Inventory"},
                               {"description", "inventory builder"},
                               {"scopes", {"api", "read_repository"}},
                               {"expires_at", "2027-06-30"}}));
}

TEST_F(GitLabRotationApiTest, CreateTokenIsNotRetriedOn500) {
  EXPECT_EQ(createThatMayHaveHappened(answer(500, R"({"message":"500 Internal Server Error"})")),
            "unavailable: GitLab is having trouble (500 Internal Server Error) while creating token \"GitLab Security "
            "Service - Architecture - Inventory\" for service account inventory-bot");
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRotationApiTest, CreateTokenIsNotRetriedOnTimeout) {
  EXPECT_THAT(createThatMayHaveHappened(Error::make(ErrorKind::kTimeout, "no answer within 30 s")),
              ::testing::StartsWith("timeout: "));
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRotationApiTest, CreateTokenIsSentAgainAfterA429OnlyAfterRetryAfter) {
  // GitLab throttles before doing anything: a 429 proves no token was made.
  transport_.push(answer(429, "Retry later", {{"retry-after", "2"}, {"content-type", "text/plain"}}));
  transport_.push(answer(201, createdJson(305, 10, "glpat-AfterTheRateLimit0005")));
  RestGitLabApi api(transport_, options());
  auto created = api.createToken(kInventory, spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->token.id, 305);
  EXPECT_EQ(transport_.requestCount(), 2u);
  EXPECT_EQ(clock_.sleeps(), (std::vector<nanoseconds>{2000ms}));
}

TEST_F(GitLabRotationApiTest, CreateTokenIsNotSentAgainWhenTheConnectionClosedWithoutAnAnswer) {
  // The connection ended before a status line: GitLab may have created the token.
  EXPECT_THAT(createThatMayHaveHappened(
                  Error::make(ErrorKind::kProtocol, "the answer from gitlab.example.com could not be read")),
              ::testing::StartsWith("protocol: "));
}

TEST_F(GitLabRotationApiTest, CreateTokenRefusalsAreCertainAndKeepGitLabsSentence) {
  transport_.push(answer(422, R"({"message":"Expiration date must be before 2027-11-29"})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  RestGitLabApi api(transport_, options());

  auto tooFar = api.createToken(kInventory, spec());
  ASSERT_FALSE(tooFar.ok());
  EXPECT_EQ(tooFar.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tooFar.error().httpStatus, 422);
  EXPECT_EQ(tooFar.error().message,
            "GitLab could not process the request (422 Unprocessable Entity) while creating token \"GitLab Security "
            "Service - Architecture - Inventory\" for service account inventory-bot: Expiration date must be before "
            "2027-11-29");
  EXPECT_EQ(tooFar.error().detail.find("may or may not"), std::string::npos);
  EXPECT_EQ(maxExpiryFromError(tooFar.error()), Date(std::chrono::year(2027) / 11 / 29));

  auto forbidden = api.createToken(kInventory, spec());
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().kind, ErrorKind::kForbidden);
  EXPECT_NE(forbidden.error().message.find("GitLab refused the request (403 Forbidden) while creating token"),
            std::string::npos)
      << forbidden.error().message;
  EXPECT_EQ(maxExpiryFromError(forbidden.error()), std::nullopt);
  EXPECT_EQ(transport_.requestCount(), 2u);
}

TEST_F(GitLabRotationApiTest, CreateTokenWithAnUnreadable201SaysTheTokenMayExist) {
  EXPECT_THAT(createThatMayHaveHappened(answer(201, R"({"id":304,"name":"x"})")),   // no "token"
              ::testing::StartsWith("protocol: "));
}

TEST_F(GitLabRotationApiTest, RevokeTokenInBothModesAndRetriedOn503) {
  transport_.push(answer(503, ""));
  transport_.push(answer(204, ""));
  transport_.push(answer(204, ""));
  RestGitLabApi instance(transport_, options());
  RestGitLabApi group(transport_, options(Mode::kGroup, "265"));

  ASSERT_TRUE(instance.revokeToken(kInventory, 101).ok());
  ASSERT_TRUE(group.revokeToken(kInventory, 102).ok());
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 3u);
  for (const auto& q : r) {
    EXPECT_EQ(q.method, "DELETE");
    EXPECT_TRUE(q.body.empty());
  }
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/personal_access_tokens/101");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/personal_access_tokens/101");
  EXPECT_EQ(r[2].url, kGitLabApiBase + "/groups/265/service_accounts/10/personal_access_tokens/102");
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(GitLabRotationApiTest, RevokeUnknownTokenIsNotFound) {
  transport_.push(answer(404, R"({"message":"404 Not found"})"));
  transport_.push(answer(404, R"({"message":"404 Personal Access Token Not Found"})"));
  RestGitLabApi instance(transport_, options());
  RestGitLabApi group(transport_, options(Mode::kGroup, "265"));
  auto a = instance.revokeToken(kInventory, 999);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(a.error().message.find("while revoking token 999 of service account inventory-bot"), std::string::npos)
      << a.error().message;
  auto b = group.revokeToken(kInventory, 999);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(transport_.requestCount(), 2u);
}

TEST_F(GitLabRotationApiTest, GetTokenInstanceModeReadsById) {
  transport_.push(answer(200, tokenJson(101, 10, true)));
  RestGitLabApi api(transport_, options());
  auto t = api.getToken(kInventory, 101);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_TRUE(t->revoked);
  EXPECT_FALSE(t->active);
  EXPECT_EQ(t->description, "inventory builder");
  auto r = onlyRequest();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, kGitLabApiBase + "/personal_access_tokens/101");
}

TEST_F(GitLabRotationApiTest, GetTokenInstanceModeRefusesAnotherOwnersToken) {
  transport_.push(answer(200, tokenJson(101, 99)));
  RestGitLabApi api(transport_, options());
  auto t = api.getToken(kInventory, 101);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(t.error().message, "GitLab has no token 101 of service account inventory-bot");
}

TEST_F(GitLabRotationApiTest, GetTokenGroupModeListsTheOwnersTokens) {
  transport_.push(page("[" + tokenJson(100, 10) + "," + tokenJson(101, 10) + "]", ""));
  transport_.push(page("[" + tokenJson(100, 10) + "]", ""));
  RestGitLabApi api(transport_, options(Mode::kGroup, "sec"));
  auto t = api.getToken(kInventory, 101);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->id, 101);
  EXPECT_EQ(outcomeOf(api.getToken(kInventory, 101)),
            "not_found: GitLab has no token 101 of service account inventory-bot");
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/groups/sec/service_accounts/10/personal_access_tokens?per_page=100&page=1");
}

// --- variables --------------------------------------------------------------------------------

TEST_F(GitLabRotationApiTest, GetVariableReadsMetadataWithTheScopeFilter) {
  transport_.push(answer(200, variableJson("glpat-OldValue000000000001", "production")));
  transport_.push(answer(200, variableJson("glpat-OldValue000000000001")));
  RestGitLabApi api(transport_, options());

  auto v = api.getVariable(projectVariable("production"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->key, "GITLAB_API_TOKEN");
  EXPECT_EQ(v->variableType, "env_var");
  EXPECT_TRUE(v->masked);
  EXPECT_TRUE(v->isProtected);
  EXPECT_FALSE(v->raw);
  EXPECT_FALSE(v->hidden);
  EXPECT_EQ(v->environmentScope, "production");

  auto g = api.getVariable(VariableRef{VariableOwnerKind::kGroup, "sec", "INVENTORY_TOKEN", ""});
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[0].url,
            kGitLabApiBase + "/projects/sec%2Finventory-builder/variables/GITLAB_API_TOKEN?filter%5Benvironment_scope%5D=production");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/sec/variables/INVENTORY_TOKEN");
}

TEST_F(GitLabRotationApiTest, UpdateVariableSendsOnlyTheValueAndTheFilter) {
  transport_.push(answer(200, variableJson("glpat-NewValue000000000001", "production")));
  transport_.push(answer(200, variableJson("glpat-NewValue000000000001")));
  RestGitLabApi api(transport_, options());

  ASSERT_TRUE(api.updateVariable(projectVariable("production"), Secret("glpat-NewValue000000000001")).ok());
  ASSERT_TRUE(api.updateVariable(VariableRef{VariableOwnerKind::kGroup, "265", "INVENTORY_TOKEN", ""},
                                 Secret("glpat-NewValue000000000001"))
                  .ok());
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "PUT");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/sec%2Finventory-builder/variables/GITLAB_API_TOKEN");
  EXPECT_EQ(jsonBody(r[0]),
            (json{{"value", "glpat-NewValue000000000001"}, {"filter", {{"environment_scope", "production"}}}}));
  EXPECT_EQ(r[1].method, "PUT");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/265/variables/INVENTORY_TOKEN");
  EXPECT_EQ(jsonBody(r[1]), (json{{"value", "glpat-NewValue000000000001"}}));
}

TEST_F(GitLabRotationApiTest, UpdateVariableIsRetriedOn503) {
  transport_.push(answer(503, R"({"message":"503 Service Unavailable"})"));
  transport_.push(answer(200, variableJson("glpat-NewValue000000000001")));
  RestGitLabApi api(transport_, options());
  ASSERT_TRUE(api.updateVariable(projectVariable(), Secret("glpat-NewValue000000000001")).ok());
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].body, r[1].body);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(GitLabRotationApiTest, UpdateVariableErrorSentences) {
  transport_.push(answer(404, R"({"message":"404 Variable Not Found"})"));
  transport_.push(answer(409, R"({"message":"There are multiple variables with provided parameters. Please use 'filter[environment_scope]'"})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  transport_.push(answer(404, R"({"message":"404 Project Not Found"})"));
  RestGitLabApi api(transport_, options());
  const Secret value("glpat-NewValue000000000001");

  EXPECT_EQ(outcomeOf(api.updateVariable(projectVariable(), value)),
            "not_found: The CI/CD variable GITLAB_API_TOKEN does not exist in project sec/inventory-builder; patbot "
            "does not create variables: create it in GitLab or fix the [[token]] entry");

  EXPECT_EQ(outcomeOf(api.updateVariable(projectVariable(), value)),
            "conflict: Several CI/CD variables named GITLAB_API_TOKEN exist in project sec/inventory-builder; set "
            "environment_scope for this consumer in the [[token]] entry to pick one");

  EXPECT_EQ(outcomeOf(api.updateVariable(projectVariable(), value)),
            "forbidden: GitLab refused the request (403 Forbidden) while updating CI/CD variable GITLAB_API_TOKEN in "
            "project sec/inventory-builder: the token lacks permission — instance mode needs an admin token with api "
            "scope, and with GitLab's Admin Mode on also the admin_mode scope");

  EXPECT_EQ(outcomeOf(api.updateVariable(projectVariable(), value)),
            "not_found: GitLab could not find the project (404 Project Not Found) while updating CI/CD variable "
            "GITLAB_API_TOKEN in project sec/inventory-builder");
  EXPECT_EQ(transport_.requestCount(), 4u);
}

TEST_F(GitLabRotationApiTest, GetVariableMissingSaysPatbotDoesNotCreateVariables) {
  transport_.push(answer(404, R"({"message":"404 Variable Not Found"})"));
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.getVariable(projectVariable("production"))),
            "not_found: The CI/CD variable GITLAB_API_TOKEN does not exist in project sec/inventory-builder for "
            "environment scope production; patbot does not create variables: create it in GitLab or fix the [[token]] "
            "entry");
}

TEST_F(GitLabRotationApiTest, TheVariableValueNeverAppearsInAnErrorOrLogLine) {
  // Not a glpat- value, so the generic glpat- redaction cannot be what hides it; with a quote
  // and a slash so the JSON-escaped echo differs from the raw value.
  const std::string value = "s3cr3t\"Value/With-Quote_123";
  const std::string escaped = json(value).dump().substr(1, json(value).dump().size() - 2);
  std::vector<Error> errors;
  const std::string logs = logsOf([&] {
    transport_.setHandler([&value, n = 0](const http::ClientRequest&) mutable -> Result<http::ClientResponse> {
      switch (n++ % 6) {
        case 0: return answer(400, json{{"message", {{"value", {value + " is invalid"}}}}}.dump());
        case 1: return answer(422, json{{"message", "Value " + value + " is not allowed"}}.dump());
        case 2: return answer(500, "<html>value=" + value + " crashed</html>");
        case 3: return Error::make(ErrorKind::kUnavailable, "reset after sending " + value);
        case 4: return answer(409, json{{"message", "409 Conflict: " + value}}.dump());
        default: return answer(403, json{{"error", "forbidden " + value}, {"error_description", value}}.dump());
      }
    });
    auto o = options();
    o.maxAttempts = 2;
    RestGitLabApi api(transport_, std::move(o));
    for (int i = 0; i < 6; ++i) {
      auto s = api.updateVariable(projectVariable(), Secret(value));
      if (!s.ok()) errors.push_back(s.error());
    }
  });

  ASSERT_GE(errors.size(), 5u);
  for (const auto& e : errors) {
    for (const std::string& needle : {value, escaped, std::string("s3cr3t")}) {
      EXPECT_EQ(e.message.find(needle), std::string::npos) << "leak in a message";
      EXPECT_EQ(e.detail.find(needle), std::string::npos) << "leak in a detail";
    }
  }
  EXPECT_FALSE(logs.empty());
  EXPECT_EQ(logs.find("s3cr3t"), std::string::npos) << "leak in the log";
  // The value really was sent, and the echo really was in the answers.
  bool sent = false;
  for (const auto& r : transport_.requests()) sent |= r.body.find(escaped) != std::string::npos;
  EXPECT_TRUE(sent);
}

// --- projects, pipelines, issues ----------------------------------------------------------------

TEST_F(GitLabRotationApiTest, GetProjectEncodesThePath) {
  transport_.push(answer(200, R"({"id":5,"path_with_namespace":"sec/inventory-builder","web_url":"https://gitlab.example.com/sec/inventory-builder","name":"x"})"));
  transport_.push(answer(404, R"({"message":"404 Project Not Found"})"));
  RestGitLabApi api(transport_, options());
  auto p = api.getProject("sec/inventory-builder");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->id, 5);
  EXPECT_EQ(p->pathWithNamespace, "sec/inventory-builder");
  EXPECT_EQ(p->webUrl, "https://gitlab.example.com/sec/inventory-builder");
  EXPECT_EQ(outcomeOf(api.getProject("sec/nope")),
            "not_found: GitLab could not find the project (404 Project Not Found) while reading project sec/nope");
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/sec%2Finventory-builder");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/projects/sec%2Fnope");
}

TEST_F(GitLabRotationApiTest, LatestPipelineQueriesOneNewestPipeline) {
  transport_.push(answer(200, "[" + pipelineJson(47, "failed") + "]"));
  transport_.push(answer(200, "[]"));
  RestGitLabApi api(transport_, options());
  auto failed = api.latestPipeline("sec/inventory-builder", "release/1.0", "failed");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  ASSERT_TRUE(failed->has_value());
  EXPECT_EQ((*failed)->id, 47);
  EXPECT_EQ((*failed)->status, "failed");
  EXPECT_EQ((*failed)->webUrl, "https://gitlab.example.com/sec/inventory-builder/-/pipelines/47");
  auto none = api.latestPipeline("5", "main", "");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].url, kGitLabApiBase +
                          "/projects/sec%2Finventory-builder/pipelines?ref=release%2F1.0&status=failed&order_by=id&"
                          "sort=desc&per_page=1");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/projects/5/pipelines?ref=main&order_by=id&sort=desc&per_page=1");
}

TEST_F(GitLabRotationApiTest, RetryAndCreatePipelineArePostsNeverRetried) {
  transport_.push(answer(201, pipelineJson(47, "pending")));
  transport_.push(answer(201, pipelineJson(48, "pending")));
  transport_.push(answer(500, R"({"message":"500 Internal Server Error"})"));
  transport_.push(Error::make(ErrorKind::kTimeout, "no answer"));
  RestGitLabApi api(transport_, options());

  auto retried = api.retryPipeline("sec/inventory-builder", 47);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->status, "pending");
  auto created = api.createPipeline("sec/inventory-builder", "main");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, 48);
  EXPECT_EQ(created->ref, "main");
  auto failedRetry = api.retryPipeline("sec/inventory-builder", 47);
  ASSERT_FALSE(failedRetry.ok());
  EXPECT_EQ(failedRetry.error().kind, ErrorKind::kUnavailable);
  auto failedCreate = api.createPipeline("sec/inventory-builder", "main");
  ASSERT_FALSE(failedCreate.ok());
  EXPECT_EQ(failedCreate.error().kind, ErrorKind::kTimeout);

  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/sec%2Finventory-builder/pipelines/47/retry");
  EXPECT_TRUE(r[0].body.empty());
  EXPECT_EQ(r[1].method, "POST");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/projects/sec%2Finventory-builder/pipeline");
  EXPECT_EQ(jsonBody(r[1]), (json{{"ref", "main"}}));
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabRotationApiTest, GetPipelineIsAGetAndIsRetried) {
  transport_.push(answer(502, "bad gateway"));
  transport_.push(answer(200, pipelineJson(48, "success")));
  transport_.push(answer(404, R"({"message":"404 Not found"})"));
  RestGitLabApi api(transport_, options());
  auto p = api.getPipeline("sec/inventory-builder", 48);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->status, "success");
  EXPECT_TRUE(pipelineFinished(p->status));
  auto missing = api.getPipeline("sec/inventory-builder", 4800);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/projects/sec%2Finventory-builder/pipelines/48");
}

TEST_F(GitLabRotationApiTest, AddIssueNoteAcceptsCreatedAndAcceptedAndIsNotRetried) {
  transport_.push(answer(201, R"({"id":305,"body":"Token rotated","noteable_iid":262})"));
  transport_.push(answer(202, R"({"commands_changes":{"state_event":"close"},"summary":["Closed this issue."]})"));
  transport_.push(answer(503, ""));
  RestGitLabApi api(transport_, options());
  ASSERT_TRUE(api.addIssueNote("sec/team", 262, "Token rotated: 101 → 300").ok());
  ASSERT_TRUE(api.addIssueNote("sec/team", 262, "/close").ok());
  auto failed = api.addIssueNote("sec/team", 262, "again");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "GitLab is having trouble (503 Service Unavailable) while commenting on issue #262 in project sec/team");
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/sec%2Fteam/issues/262/notes");
  EXPECT_EQ(jsonBody(r[0]), (json{{"body", "Token rotated: 101 → 300"}}));
}

TEST_F(GitLabRotationApiTest, CloseIssueIsARetriedPutAndAcceptsAnAlreadyClosedIssue) {
  const std::string closed = R"({"id":377,"iid":262,"title":"Rotate","state":"closed","web_url":"https://gitlab.example.com/sec/team/-/issues/262"})";
  transport_.push(answer(503, ""));
  transport_.push(answer(200, closed));
  transport_.push(answer(200, closed));
  transport_.push(answer(200, R"({"iid":262,"title":"Rotate","state":"opened"})"));
  RestGitLabApi api(transport_, options());
  ASSERT_TRUE(api.closeIssue("sec/team", 262).ok());
  ASSERT_TRUE(api.closeIssue("sec/team", 262).ok());
  auto stillOpen = api.closeIssue("sec/team", 262);
  ASSERT_FALSE(stillOpen.ok());
  EXPECT_EQ(stillOpen.error().kind, ErrorKind::kConflict);
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].method, "PUT");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/sec%2Fteam/issues/262");
  EXPECT_EQ(jsonBody(r[0]), (json{{"state_event", "close"}}));
}

TEST_F(GitLabRotationApiTest, MetricsUseRouteTemplates) {
  MetricsRegistry metrics;
  transport_.setHandler([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    if (r.method == "PUT") return answer(200, variableJson("glpat-NewValue000000000001"));
    if (r.method == "DELETE") return answer(204, "");
    return answer(200, pipelineJson(48, "running"));
  });
  auto o = options(Mode::kGroup, "sec");
  o.metrics = &metrics;
  RestGitLabApi api(transport_, std::move(o));
  ASSERT_TRUE(api.updateVariable(projectVariable(), Secret("glpat-NewValue000000000001")).ok());
  ASSERT_TRUE(api.revokeToken(kInventory, 101).ok());
  ASSERT_TRUE(api.getPipeline("sec/inventory-builder", 48).ok());
  std::string text = metrics.render();
  EXPECT_NE(text.find(R"(endpoint="/projects/:id/variables/:key",status="200")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(endpoint="/groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id",status="204")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(endpoint="/projects/:id/pipelines/:pipeline_id",status="200")"), std::string::npos) << text;
  EXPECT_EQ(text.find("inventory-builder"), std::string::npos);
  EXPECT_EQ(text.find("glpat-NewValue"), std::string::npos);
}

// --- helpers ----------------------------------------------------------------------------------

TEST(GitLabRotationTypesTest, PipelineFinished) {
  for (const char* s : {"success", "failed", "canceled", "skipped", "manual"}) EXPECT_TRUE(pipelineFinished(s)) << s;
  for (const char* s : {"created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running",
                        "canceling", "scheduled", ""}) {
    EXPECT_FALSE(pipelineFinished(s)) << s;
  }
}

}  // namespace
}  // namespace patbot::gitlab
