// RestGitLabApi for project and group access tokens against scripted answers: the exact method,
// URL and body of every call (list, get, create, revoke, rotate; getResource, callerAccess,
// botUserTies; inventory's projects and groups), which calls are retried, each error sentence,
// that a new token's value never reaches an Error or a log line, and the watcher snapshot's JSON
// (kind, access_level) read back, old snapshots included.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/metrics.h"
#include "gitlab/gitlab_errors.h"
#include "gitlab/json_mapping.h"
#include "gitlab/json_resources.h"
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

const TokenOwner kApp{42, "sec/app", "App", TokenKind::kProject};
const TokenOwner kSec{7, "sec", "Security", TokenKind::kGroup};
const TokenOwner kInventory{10, "inventory-bot", "Inventory"};
const std::string kNewValue = "glpat-RotatedValue0000000001";
const Date kExpiry{std::chrono::year(2027) / 6 / 30};

json tokenObject(int id, int userId, std::optional<int> accessLevel = 40, bool revoked = false) {
  json j{{"id", id},
         {"name", "deploy"},
         {"revoked", revoked},
         {"created_at", "2024-07-11T18:55:07.266Z"},
         {"description", "deploys the app"},
         {"scopes", {"api", "read_repository"}},
         {"user_id", userId},
         {"last_used_at", nullptr},
         {"active", !revoked},
         {"expires_at", "2026-07-11"}};
  if (accessLevel) j["access_level"] = *accessLevel;
  return j;
}

std::string tokenJson(int id, int userId, std::optional<int> accessLevel = 40) {
  return tokenObject(id, userId, accessLevel).dump();
}

std::string createdJson(int id, int userId, const std::string& value, std::optional<int> accessLevel = 40) {
  json j = tokenObject(id, userId, accessLevel);
  j["token"] = value;
  return j.dump();
}

TokenSpec resourceSpec(std::optional<std::string> description, std::optional<int> accessLevel) {
  return TokenSpec{"deploy", std::move(description), {"api", "read_repository"}, kExpiry, accessLevel};
}

std::string membershipJson(int sourceId, const std::string& name, const std::string& type, int level) {
  return json{{"source_id", sourceId}, {"source_name", name}, {"source_type", type}, {"access_level", level}}.dump();
}

json rule(std::optional<int> userId, int level = 40) {
  return json{{"id", 1},
              {"access_level", level},
              {"access_level_description", "x"},
              {"user_id", userId ? json(*userId) : json(nullptr)},
              {"group_id", nullptr}};
}

using GitLabResourceTokensTest = GitLabClientTest;

// --- list, get, create, revoke ------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, ListTokensOfAProjectAndAGroupFollowsPagesWhateverTheMode) {
  transport_.push(page("[" + tokenJson(6, 90) + "," + tokenJson(5, 91, 30) + "]", "2"));
  transport_.push(page("[" + tokenJson(4, 92, 50) + "]", ""));
  transport_.push(page("[" + tokenJson(8, 93, 50) + "]", ""));
  RestGitLabApi api(transport_, options(Mode::kGroup, "other/team"));   // group mode: same routes

  auto project = api.listTokens(kApp);
  ASSERT_TRUE(project.ok()) << project.error().message;
  ASSERT_EQ(project->size(), 3u);
  EXPECT_EQ((*project)[0].id, 4);
  EXPECT_EQ((*project)[0].accessLevel, 50);
  EXPECT_EQ((*project)[1].accessLevel, 30);
  EXPECT_EQ((*project)[2].userId, 90);
  auto group = api.listTokens(kSec);
  ASSERT_TRUE(group.ok()) << group.error().message;
  ASSERT_EQ(group->size(), 1u);
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/projects/42/access_tokens?per_page=100&page=1",
                                              kGitLabApiBase + "/projects/42/access_tokens?per_page=100&page=2",
                                              kGitLabApiBase + "/groups/7/access_tokens?per_page=100&page=1"}));
  for (const auto& r : transport_.requests()) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.headers.at("PRIVATE-TOKEN"), kGitLabBotToken);
  }
}

TEST_F(GitLabResourceTokensTest, GetTokenReadsOneTokenOfTheProjectOrGroup) {
  transport_.push(answer(200, tokenJson(5, 91, 30)));
  transport_.push(answer(404, R"({"message":"404 group Access Token Not Found"})"));
  RestGitLabApi api(transport_, options(Mode::kGroup, "other"));
  auto t = api.getToken(kApp, 5);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->userId, 91);   // the bot user, not the project: no owner check
  EXPECT_EQ(t->accessLevel, 30);
  EXPECT_EQ(outcomeOf(api.getToken(kSec, 6)),
            "not_found: GitLab could not find the group access token (404 group Access Token Not Found) while reading "
            "token 6 of group sec");
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "GET");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/42/access_tokens/5");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/7/access_tokens/6");
}

TEST_F(GitLabResourceTokensTest, CreateTokenPostsNameScopesDescriptionAccessLevelAndExpiry) {
  transport_.push(answer(201, createdJson(300, 95, kNewValue, 30)));
  transport_.push(answer(201, createdJson(301, 96, kNewValue)));
  RestGitLabApi api(transport_, options());

  auto created = api.createToken(kApp, resourceSpec("deploys the app", 30));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->token.id, 300);
  EXPECT_EQ(created->token.accessLevel, 30);
  EXPECT_EQ(created->value.reveal(), kNewValue);
  auto plain = api.createToken(kSec, resourceSpec(std::nullopt, std::nullopt));
  ASSERT_TRUE(plain.ok()) << plain.error().message;

  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/42/access_tokens");
  EXPECT_EQ(jsonBody(r[0]), (json{{"name", "deploy"},
                                  {"description", "deploys the app"},
                                  {"scopes", {"api", "read_repository"}},
                                  {"access_level", 30},
                                  {"expires_at", "2027-06-30"}}));
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/7/access_tokens");
  EXPECT_EQ(jsonBody(r[1]), (json{{"name", "deploy"}, {"scopes", {"api", "read_repository"}}, {"expires_at", "2027-06-30"}}));
}

TEST_F(GitLabResourceTokensTest, CreateTokenForAServiceAccountNeverSendsAnAccessLevel) {
  transport_.push(answer(201, createdJson(302, 10, kNewValue, std::nullopt)));
  RestGitLabApi api(transport_, options());
  ASSERT_TRUE(api.createToken(kInventory, resourceSpec(std::nullopt, 40)).ok());
  auto r = onlyRequest();
  EXPECT_EQ(r.url, kGitLabApiBase + "/users/10/personal_access_tokens");
  EXPECT_EQ(jsonBody(r), (json{{"name", "deploy"}, {"scopes", {"api", "read_repository"}}, {"expires_at", "2027-06-30"}}));
}

TEST_F(GitLabResourceTokensTest, CreateTokenIsNotSentAgainAfterA5xxOrALostAnswerButIsAfterA429) {
  transport_.push(answer(502, "bad gateway"));
  transport_.push(Error::make(ErrorKind::kTimeout, "no answer within 30 s"));
  transport_.push(answer(429, "Retry later", {{"retry-after", "3"}, {"content-type", "text/plain"}}));
  transport_.push(answer(201, createdJson(303, 95, kNewValue)));
  RestGitLabApi api(transport_, options());

  auto failed = api.createToken(kApp, resourceSpec(std::nullopt, 40));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(outcomeOf(failed),
            "unavailable: GitLab is having trouble (502 Bad Gateway) while creating token \"deploy\" for project sec/app");
  EXPECT_THAT(failed.error().detail, ::testing::HasSubstr("the create may or may not have happened"));
  auto lost = api.createToken(kApp, resourceSpec(std::nullopt, 40));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind, ErrorKind::kTimeout);
  EXPECT_THAT(lost.error().detail, ::testing::HasSubstr("the create may or may not have happened"));
  auto limited = api.createToken(kApp, resourceSpec(std::nullopt, 40));
  ASSERT_TRUE(limited.ok()) << limited.error().message;
  EXPECT_EQ(transport_.requestCount(), 4u);
  EXPECT_EQ(clock_.sleeps(), (std::vector<nanoseconds>{3000ms}));
}

TEST_F(GitLabResourceTokensTest, RevokeTokenDeletesAndIsRetriedOn503) {
  transport_.push(answer(503, ""));
  transport_.push(answer(204, ""));
  transport_.push(answer(204, ""));
  transport_.push(answer(404, R"({"message":"404 project Access Token Not Found"})"));
  RestGitLabApi api(transport_, options());
  ASSERT_TRUE(api.revokeToken(kSec, 5).ok());
  ASSERT_TRUE(api.revokeToken(kApp, 6).ok());
  EXPECT_EQ(outcomeOf(api.revokeToken(kApp, 6)),
            "not_found: GitLab could not find the project access token (404 project Access Token Not Found) while "
            "revoking token 6 of project sec/app");
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 4u);
  for (const auto& q : r) {
    EXPECT_EQ(q.method, "DELETE");
    EXPECT_TRUE(q.body.empty());
  }
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/groups/7/access_tokens/5");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/7/access_tokens/5");
  EXPECT_EQ(r[2].url, kGitLabApiBase + "/projects/42/access_tokens/6");
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

// --- rotate -------------------------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, RotateProjectAndGroupTokensPostsTheExpiry) {
  transport_.push(answer(200, createdJson(301, 91, kNewValue, 30)));
  transport_.push(answer(200, createdJson(302, 92, kNewValue, 50)));
  RestGitLabApi api(transport_, options());

  auto project = api.rotateToken(kApp, 5, kExpiry);
  ASSERT_TRUE(project.ok()) << project.error().message;
  EXPECT_EQ(project->token.id, 301);
  EXPECT_EQ(project->token.userId, 91);
  EXPECT_EQ(project->token.accessLevel, 30);
  EXPECT_EQ(project->value.reveal(), kNewValue);
  auto group = api.rotateToken(kSec, 6, kExpiry);
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_EQ(group->token.accessLevel, 50);

  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/projects/42/access_tokens/5/rotate");
  EXPECT_EQ(jsonBody(r[0]), (json{{"expires_at", "2027-06-30"}}));
  EXPECT_EQ(r[1].method, "POST");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/7/access_tokens/6/rotate");
  EXPECT_EQ(jsonBody(r[1]), (json{{"expires_at", "2027-06-30"}}));
}

TEST_F(GitLabResourceTokensTest, RotatePersonalTokenInBothModes) {
  transport_.push(answer(200, createdJson(301, 10, kNewValue, std::nullopt)));
  transport_.push(answer(200, createdJson(302, 10, kNewValue, std::nullopt)));
  RestGitLabApi instance(transport_, options());
  RestGitLabApi group(transport_, options(Mode::kGroup, "sec/team"));
  auto a = instance.rotateToken(kInventory, 101, kExpiry);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->token.accessLevel, std::nullopt);
  ASSERT_TRUE(group.rotateToken(kInventory, 102, kExpiry).ok());
  auto r = transport_.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].url, kGitLabApiBase + "/personal_access_tokens/101/rotate");
  EXPECT_EQ(r[1].url, kGitLabApiBase + "/groups/sec%2Fteam/service_accounts/10/personal_access_tokens/102/rotate");
  for (const auto& q : r) {
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(jsonBody(q), (json{{"expires_at", "2027-06-30"}}));
  }
}

TEST_F(GitLabResourceTokensTest, RotateIsNeverSentAgainWhenItMayHaveHappened) {
  const std::vector<Result<http::ClientResponse>> firsts = {
      answer(500, R"({"message":"500 Internal Server Error"})"),
      Error::make(ErrorKind::kTimeout, "no answer within 30 s"),
      Error::make(ErrorKind::kProtocol, "the answer from gitlab.example.com could not be read"),
  };
  const std::vector<std::string> kinds = {"unavailable", "timeout", "protocol"};
  for (size_t i = 0; i < firsts.size(); ++i) {
    ScriptedTransport transport;
    transport.push(firsts[i]);
    transport.push(answer(200, createdJson(399, 91, "glpat-NeverReached0000000000")));
    RestGitLabApi api(transport, options());
    auto rotated = api.rotateToken(kApp, 5, kExpiry);
    ASSERT_FALSE(rotated.ok()) << kinds[i];
    EXPECT_EQ(errorKindName(rotated.error().kind), kinds[i]);
    EXPECT_EQ(transport.requestCount(), 1u) << "a rotate that may have happened was sent again (" << kinds[i] << ")";
    EXPECT_THAT(rotated.error().detail, ::testing::HasSubstr("the rotate may or may not have happened")) << kinds[i];
  }
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(GitLabResourceTokensTest, RotateWithAnUnreadable200SaysTheTokenWasProbablyRotated) {
  // No "token" member: the value is lost, but GitLab did rotate.
  transport_.push(answer(200, tokenJson(301, 91)));
  RestGitLabApi api(transport_, options());
  auto rotated = api.rotateToken(kApp, 5, kExpiry);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(outcomeOf(rotated),
            "protocol: GitLab sent an answer patbot could not read while rotating token 5 of project sec/app");
  EXPECT_THAT(rotated.error().detail, ::testing::HasSubstr("so the token was probably rotated"));
  EXPECT_THAT(rotated.error().detail, ::testing::HasSubstr("the rotate may or may not have happened"));
  EXPECT_EQ(transport_.requestCount(), 1u);
}

TEST_F(GitLabResourceTokensTest, RotateIsSentAgainAfterA429) {
  transport_.push(answer(429, "Retry later", {{"retry-after", "2"}, {"content-type", "text/plain"}}));
  transport_.push(answer(429, R"({"message":{"error":"This endpoint has been requested too many times. Try again later."}})",
                         {{"retry-after", "5"}}));
  transport_.push(answer(200, createdJson(301, 91, kNewValue)));
  RestGitLabApi api(transport_, options());
  auto rotated = api.rotateToken(kApp, 5, kExpiry);
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  EXPECT_EQ(transport_.requestCount(), 3u);
  EXPECT_EQ(clock_.sleeps(), (std::vector<nanoseconds>{2000ms, 5000ms}));
  for (const auto& r : transport_.requests()) EXPECT_EQ(r.url, kGitLabApiBase + "/projects/42/access_tokens/5/rotate");
}

TEST_F(GitLabResourceTokensTest, RotateRefusalsMapToSentences) {
  transport_.push(answer(400, R"({"message":"400 Bad request - Token already revoked"})"));
  transport_.push(answer(400, R"({"message":"400 Bad request - Token already revoked"})"));
  transport_.push(answer(400, R"({"message":"400 Bad request - Token has expired"})"));
  transport_.push(answer(400, R"({"message":"400 Bad request - Expiration date must be before 2027-05-01"})"));
  transport_.push(answer(401, R"({"message":"401 Unauthorized"})"));
  transport_.push(answer(404, R"({"message":"404 Not Found"})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  RestGitLabApi api(transport_, options());

  EXPECT_EQ(outcomeOf(api.rotateToken(kApp, 5, kExpiry)),
            "conflict: GitLab refused to rotate token 5 of project sec/app: it was already rotated or revoked");
  EXPECT_EQ(outcomeOf(api.rotateToken(kInventory, 101, kExpiry)),
            "conflict: GitLab refused to rotate token 101 of service account inventory-bot: it was already rotated "
            "or revoked");
  EXPECT_EQ(outcomeOf(api.rotateToken(kSec, 6, kExpiry)),
            "invalid_input: GitLab cannot rotate token 6 of group sec because it has expired: a new token must be "
            "created instead (replace)");

  auto tooFar = api.rotateToken(kApp, 5, kExpiry);
  EXPECT_EQ(outcomeOf(tooFar),
            "invalid_input: GitLab rejected the request (400 Bad Request) while rotating token 5 of project sec/app: "
            "Expiration date must be before 2027-05-01");
  ASSERT_FALSE(tooFar.ok());
  EXPECT_EQ(maxExpiryFromError(tooFar.error()), Date(std::chrono::year(2027) / 5 / 1));
  EXPECT_EQ(tooFar.error().detail.find("may or may not"), std::string::npos);

  EXPECT_EQ(outcomeOf(api.rotateToken(kApp, 5, kExpiry)),
            "unauthorized: GitLab rejected patbot's token (401 Unauthorized) while rotating token 5 of project "
            "sec/app: check GITLAB_TOKEN; with GitLab's Admin Mode on it also needs the admin_mode scope");
  EXPECT_EQ(outcomeOf(api.rotateToken(kApp, 5, kExpiry)),
            "not_found: GitLab could not find what patbot asked for (404 Not Found) while rotating token 5 of project "
            "sec/app");
  auto forbidden = api.rotateToken(kApp, 5, kExpiry);
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().kind, ErrorKind::kForbidden);
  EXPECT_THAT(forbidden.error().message,
              ::testing::StartsWith("GitLab refused the request (403 Forbidden) while rotating token 5 of project sec/app"));
  EXPECT_EQ(transport_.requestCount(), 7u);   // none sent twice
}

TEST_F(GitLabResourceTokensTest, RotateNotEligibleNamesBothLevelsWhenTheyCanBeRead) {
  transport_.push(answer(400, R"({"message":"400 Bad request - Not eligible to rotate token with access level higher than the user"})"));
  transport_.push(answer(200, tokenJson(5, 91, 50)));                          // the token: Owner
  transport_.push(answer(200, R"({"id":3,"username":"patbot"})"));            // patbot, not an admin
  transport_.push(answer(200, R"({"id":3,"username":"patbot","access_level":40})"));
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.rotateToken(kApp, 5, kExpiry)),
            "forbidden: GitLab refused to rotate token 5 of project sec/app: its access level is higher than "
            "patbot's (the token is Owner, patbot Maintainer)");
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/projects/42/access_tokens/5/rotate",
                                              kGitLabApiBase + "/projects/42/access_tokens/5",
                                              kGitLabApiBase + "/user",
                                              kGitLabApiBase + "/projects/42/members/all/3"}));
}

TEST_F(GitLabResourceTokensTest, RotateNotEligibleWithoutLevelsWhenTheyCannotBeRead) {
  transport_.push(answer(400, R"({"message":"400 Bad request - Not eligible to rotate tokens with permissions not held by the user"})"));
  transport_.push(answer(404, R"({"message":"404 group Access Token Not Found"})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.rotateToken(kSec, 6, kExpiry)),
            "forbidden: GitLab refused to rotate token 6 of group sec: its access level is higher than patbot's");
  EXPECT_EQ(transport_.requestCount(), 3u);
}

TEST_F(GitLabResourceTokensTest, TheNewValueNeverReachesAnErrorOrALogLine) {
  const std::string value = "glpat-SecretRotated-Value_0001";
  std::vector<Error> errors;
  const std::string logs = logsOf([&] {
    // Success, a 2xx the client cannot read that still carries the value, an error page that
    // echoes it, and a 500 that does.
    transport_.push(answer(200, createdJson(301, 91, value)));
    transport_.push(answer(200, json{{"id", 302}, {"token", value}}.dump()));
    transport_.push(answer(400, json{{"message", "400 Bad request - " + value}}.dump()));
    transport_.push(answer(500, "<html>token=" + value + "</html>"));
    RestGitLabApi api(transport_, options());
    auto ok = api.rotateToken(kApp, 5, kExpiry);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->value.reveal(), value);
    for (int i = 0; i < 3; ++i) {
      auto failed = api.rotateToken(kApp, 5, kExpiry);
      ASSERT_FALSE(failed.ok());
      errors.push_back(failed.error());
    }
  });
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) {
    EXPECT_EQ(e.message.find("SecretRotated"), std::string::npos) << e.message;
    EXPECT_EQ(e.detail.find("SecretRotated"), std::string::npos) << e.detail;
  }
  EXPECT_FALSE(logs.empty());
  EXPECT_EQ(logs.find("SecretRotated"), std::string::npos) << logs;
}

// --- getResource --------------------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, GetResourceReadsAProjectOrAGroupByPathOrId) {
  transport_.push(answer(200, R"({"id":42,"name":"App","path_with_namespace":"sec/app","path":"app","web_url":"x"})"));
  transport_.push(answer(200, R"({"id":7,"name":"Security","full_path":"sec/platform","path":"platform"})"));
  RestGitLabApi api(transport_, options());
  auto project = api.getResource(TokenKind::kProject, "sec/app");
  ASSERT_TRUE(project.ok()) << project.error().message;
  EXPECT_EQ(project->id, 42);
  EXPECT_EQ(project->username, "sec/app");
  EXPECT_EQ(project->name, "App");
  EXPECT_EQ(project->kind, TokenKind::kProject);
  EXPECT_EQ(project->label(), "project sec/app");
  auto group = api.getResource(TokenKind::kGroup, "7");
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_EQ(group->id, 7);
  EXPECT_EQ(group->username, "sec/platform");
  EXPECT_EQ(group->kind, TokenKind::kGroup);
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/projects/sec%2Fapp", kGitLabApiBase + "/groups/7"}));
}

TEST_F(GitLabResourceTokensTest, GetResourceMissingSaysPatbotMayNotSeeIt) {
  transport_.push(answer(404, R"({"message":"404 Project Not Found"})"));
  transport_.push(answer(404, R"({"message":"404 Group Not Found"})"));
  transport_.push(answer(200, R"({"id":7,"name":"Security"})"));   // no full_path
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.getResource(TokenKind::kProject, "sec/app")),
            "not_found: project sec/app was not found (or patbot's token cannot see it)");
  EXPECT_EQ(outcomeOf(api.getResource(TokenKind::kGroup, "sec")),
            "not_found: group sec was not found (or patbot's token cannot see it)");
  EXPECT_EQ(outcomeOf(api.getResource(TokenKind::kGroup, "sec")),
            "protocol: GitLab sent an answer patbot could not read while reading group sec");
}

TEST_F(GitLabResourceTokensTest, AServiceAccountIsNotAResource) {
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(outcomeOf(api.getResource(TokenKind::kPersonal, "inventory-bot")),
            "invalid_input: getResource takes a project or a group, not a service account");
  EXPECT_EQ(outcomeOf(api.callerAccess(kInventory)),
            "invalid_input: callerAccess takes a project or a group, not a service account");
  EXPECT_EQ(outcomeOf(api.botUserTies(kInventory, 10)),
            "invalid_input: botUserTies takes a project or a group, not a service account");
  EXPECT_EQ(transport_.requestCount(), 0u);
}

// --- callerAccess -------------------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, CallerAccessReadsTheUserOnceThenEachMembership) {
  transport_.push(answer(200, R"({"id":3,"username":"patbot","is_admin":true})"));
  transport_.push(answer(200, R"({"id":3,"username":"patbot","access_level":40})"));
  transport_.push(answer(404, R"({"message":"404 Not found"})"));
  RestGitLabApi api(transport_, options());
  auto project = api.callerAccess(kApp);
  ASSERT_TRUE(project.ok()) << project.error().message;
  EXPECT_TRUE(project->admin);
  EXPECT_EQ(project->level, 40);
  auto group = api.callerAccess(kSec);
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_TRUE(group->admin);
  EXPECT_EQ(group->level, std::nullopt);
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/user", kGitLabApiBase + "/projects/42/members/all/3",
                                              kGitLabApiBase + "/groups/7/members/all/3"}));
}

TEST_F(GitLabResourceTokensTest, CallerAccessOfANonAdminAndItsFailures) {
  transport_.push(answer(200, R"({"id":3,"username":"patbot"})"));   // no is_admin: not an admin
  transport_.push(answer(200, R"({"id":3,"access_level":50})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  RestGitLabApi api(transport_, options(Mode::kGroup, "sec"));
  auto project = api.callerAccess(kApp);
  ASSERT_TRUE(project.ok()) << project.error().message;
  EXPECT_FALSE(project->admin);
  EXPECT_EQ(project->level, 50);
  auto refused = api.callerAccess(kSec);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden);
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr("while reading patbot's role in group sec"));
}

TEST_F(GitLabResourceTokensTest, ListingBelowMaintainerSaysTheLevelNotTheToken) {
  transport_.push(answer(401, R"({"message":"401 Unauthorized"})"));
  transport_.push(answer(200, R"({"id":3,"is_admin":false})"));
  transport_.push(answer(200, R"({"id":3,"access_level":30})"));
  RestGitLabApi api(transport_, options());
  auto listed = api.listTokens(kApp);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().kind, ErrorKind::kForbidden);
  EXPECT_THAT(listed.error().message,
              ::testing::HasSubstr("patbot's token is Developer on project sec/app; managing project access tokens "
                                   "needs Maintainer or higher"));
}

TEST_F(GitLabResourceTokensTest, ListingRefusedAtMaintainerKeepsGitLabsAnswer) {
  transport_.push(answer(401, R"({"message":"401 Unauthorized"})"));
  transport_.push(answer(200, R"({"id":3,"is_admin":false})"));
  transport_.push(answer(200, R"({"id":3,"access_level":40})"));
  RestGitLabApi api(transport_, options());
  auto listed = api.listTokens(kApp);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().kind, ErrorKind::kUnauthorized);
  EXPECT_THAT(listed.error().message, ::testing::HasSubstr("check GITLAB_TOKEN"));
}

TEST_F(GitLabResourceTokensTest, CallerAccessDoesNotCacheAFailedUserRead) {
  transport_.push(answer(401, R"({"message":"401 Unauthorized"})"));
  transport_.push(answer(200, R"({"id":3,"is_admin":false})"));
  transport_.push(answer(200, R"({"id":3,"access_level":40})"));
  RestGitLabApi api(transport_, options());
  EXPECT_EQ(api.callerAccess(kApp).error().kind, ErrorKind::kUnauthorized);
  auto again = api.callerAccess(kApp);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->level, 40);
  EXPECT_EQ(transport_.requestCount(), 3u);
}

// --- botUserTies --------------------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, BotUserTiesOfAProjectTokenFindMembershipsAndProtectedRefRules) {
  const int bot = 91;
  transport_.push(page("[" + membershipJson(42, "App", "Project", 40) + "," +
                           membershipJson(9, "Platform", "Namespace", 30) + "]",
                       "2", "1"));
  transport_.push(page("[" + membershipJson(43, "Other", "Project", 40) + "," +
                           membershipJson(42, "Sec", "Namespace", 50) + "]",   // a group with the project's id
                       "", "2"));
  json main{{"id", 1}, {"name", "main"}, {"allow_force_push", false}};
  main["push_access_levels"] = json::array({rule(std::nullopt), rule(bot)});
  main["merge_access_levels"] = json::array({rule(12)});
  main["unprotect_access_levels"] = json::array({rule(bot)});
  json release{{"id", 2}, {"name", "release/*"}};
  release["push_access_levels"] = json::array();
  release["merge_access_levels"] = json::array({rule(bot, 30)});
  transport_.push(page(json::array({main, release}).dump(), ""));
  json production{{"name", "production"}, {"required_approval_count", 0}};
  production["deploy_access_levels"] = json::array({rule(bot), rule(std::nullopt)});
  json approval{{"id", 3}, {"user_id", bot}, {"group_id", nullptr}, {"access_level", nullptr}, {"required_approvals", 1}};
  production["approval_rules"] = json::array({approval});
  json staging{{"name", "staging"}};
  staging["deploy_access_levels"] = json::array({rule(77)});
  transport_.push(page(json::array({production, staging}).dump(), ""));
  RestGitLabApi api(transport_, options());

  auto ties = api.botUserTies(kApp, bot);
  ASSERT_TRUE(ties.ok()) << ties.error().message;
  std::vector<std::string> what;
  for (const auto& t : *ties) what.push_back(t.what);
  EXPECT_EQ(what, (std::vector<std::string>{"member of group Platform (id 9) as Developer",
                                            "member of project Other (id 43) as Maintainer",
                                            "member of group Sec (id 42) as Owner",
                                            "may push to protected branch main",
                                            "may unprotect protected branch main",
                                            "may merge into protected branch release/*",
                                            "may deploy to protected environment production",
                                            "may approve deployments to protected environment production"}));
  EXPECT_EQ(urls(), (std::vector<std::string>{kGitLabApiBase + "/users/91/memberships?per_page=100&page=1",
                                              kGitLabApiBase + "/users/91/memberships?per_page=100&page=2",
                                              kGitLabApiBase + "/projects/42/protected_branches?per_page=100&page=1",
                                              kGitLabApiBase + "/projects/42/protected_environments?per_page=100&page=1"}));
}

TEST_F(GitLabResourceTokensTest, BotUserTiesNoneWhenOnlyItsOwnMembershipAndNoRuleNamesIt) {
  transport_.push(page("[" + membershipJson(42, "App", "Project", 40) + "]", ""));
  json main{{"name", "main"}};
  main["push_access_levels"] = json::array({rule(12)});
  transport_.push(page(json::array({main}).dump(), ""));
  transport_.push(answer(404, R"({"error":"404 Not Found"})"));   // GitLab Free: no such route
  RestGitLabApi api(transport_, options());
  auto ties = api.botUserTies(kApp, 91);
  ASSERT_TRUE(ties.ok()) << ties.error().message;
  EXPECT_TRUE(ties->empty());
  EXPECT_EQ(transport_.requestCount(), 3u);
}

TEST_F(GitLabResourceTokensTest, BotUserTiesOfAGroupTokenReadOnlyMemberships) {
  transport_.push(page("[" + membershipJson(7, "Security", "Namespace", 50) + "," +
                           membershipJson(7, "Seven", "Project", 20) + "]",
                       ""));
  RestGitLabApi api(transport_, options());
  auto ties = api.botUserTies(kSec, 92);
  ASSERT_TRUE(ties.ok()) << ties.error().message;
  ASSERT_EQ(ties->size(), 1u);
  EXPECT_EQ((*ties)[0].what, "member of project Seven (id 7) as Reporter");
  EXPECT_EQ(urls(), std::vector<std::string>{kGitLabApiBase + "/users/92/memberships?per_page=100&page=1"});
}

TEST_F(GitLabResourceTokensTest, BotUserTiesNeedAnAdministratorForMemberships) {
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));
  RestGitLabApi instance(transport_, options());
  RestGitLabApi group(transport_, options(Mode::kGroup, "sec"));
  EXPECT_EQ(outcomeOf(instance.botUserTies(kApp, 91)),
            "forbidden: Listing what the bot user belongs to needs an administrator token (with GitLab's Admin Mode "
            "on, one with the admin_mode scope): GitLab refused (403 Forbidden) while listing the memberships of bot "
            "user 91 of project sec/app");
  EXPECT_EQ(outcomeOf(group.botUserTies(kSec, 92)),
            "forbidden: Listing what the bot user belongs to needs an administrator token: GitLab refused (403 "
            "Forbidden) while listing the memberships of bot user 92 of group sec");
  EXPECT_EQ(transport_.requestCount(), 2u);
}

TEST_F(GitLabResourceTokensTest, BotUserTiesFailWhenProtectedRefsCannotBeRead) {
  transport_.push(page("[]", ""));
  transport_.push(page("[]", ""));
  transport_.push(answer(403, R"({"message":"403 Forbidden"})"));   // not a Maintainer: not "no route"
  RestGitLabApi api(transport_, options());
  auto ties = api.botUserTies(kApp, 91);
  ASSERT_FALSE(ties.ok());
  EXPECT_EQ(ties.error().kind, ErrorKind::kForbidden);
  EXPECT_THAT(ties.error().message, ::testing::HasSubstr("while listing the protected environments of project sec/app"));
}

// --- inventory ----------------------------------------------------------------------------------

// A scripted GitLab for inventory(): answers by URL (the listing threads ask in any order).
void scriptInventory(ScriptedTransport& transport) {
  transport.setHandler([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    const std::string& u = r.url;
    auto is = [&u](const std::string& path) { return u == kGitLabApiBase + path; };
    if (is("/service_accounts?order_by=id&sort=asc&per_page=100&page=1")) {
      return page(R"([{"id":10,"username":"inventory-bot","name":"Inventory"}])", "");
    }
    if (is("/personal_access_tokens?user_id=10&per_page=100&page=1")) return page("[" + tokenJson(1, 10, std::nullopt) + "]", "");
    if (is("/projects/sec%2Fapp") || is("/projects/42")) {
      return answer(200, R"({"id":42,"name":"App","path_with_namespace":"sec/app"})");
    }
    if (is("/projects/sec%2Fapi")) return answer(200, R"({"id":44,"name":"Api","path_with_namespace":"sec/api"})");
    if (is("/groups/sec")) return answer(200, R"({"id":7,"name":"Security","full_path":"sec"})");
    if (is("/projects/sec%2Fgone")) return answer(404, R"({"message":"404 Project Not Found"})");
    if (is("/projects/42/access_tokens?per_page=100&page=1")) return page("[" + tokenJson(5, 91, 40) + "]", "");
    if (is("/projects/44/access_tokens?per_page=100&page=1")) return page("[]", "");
    if (is("/groups/7/access_tokens?per_page=100&page=1")) return page("[" + tokenJson(6, 92, 50) + "]", "");
    return answer(500, "unexpected " + u);
  });
}

TEST_F(GitLabResourceTokensTest, InventoryListsProjectsAndGroupsAfterTheServiceAccounts) {
  scriptInventory(transport_);
  auto o = options();
  o.resources = {{TokenKind::kGroup, "sec"}, {TokenKind::kProject, "sec/app"}, {TokenKind::kProject, "sec/api"},
                 {TokenKind::kProject, "42"}};   // sec/app again, by id: listed once
  std::mutex progressMutex;
  std::vector<size_t> totals;
  o.onInventoryProgress = [&](size_t, size_t total, int) {
    std::lock_guard lock(progressMutex);
    totals.push_back(total);
  };
  RestGitLabApi api(transport_, std::move(o));

  auto inv = api.inventory();
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  std::vector<std::string> owners;
  for (const auto& a : inv->accounts) owners.push_back(a.account.label());
  EXPECT_EQ(owners, (std::vector<std::string>{"inventory-bot", "project sec/api", "project sec/app", "group sec"}));
  EXPECT_EQ(inv->accounts[2].account.id, 42);
  EXPECT_EQ(inv->accounts[2].account.kind, TokenKind::kProject);
  ASSERT_EQ(inv->accounts[2].tokens.size(), 1u);
  EXPECT_EQ(inv->accounts[2].tokens[0].accessLevel, 40);
  EXPECT_EQ(inv->accounts[3].account.kind, TokenKind::kGroup);
  EXPECT_EQ(inv->accounts[3].tokens[0].id, 6);
  // 1 account list + 1 account's tokens + 4 resources read + 4 token lists.
  EXPECT_EQ(inv->requests, 10);
  EXPECT_EQ(transport_.requestCount(), 10u);
  EXPECT_EQ(totals, std::vector<size_t>(5, 5u));
}

TEST_F(GitLabResourceTokensTest, InventoryFailsAsAWholeNamingAMissingProject) {
  scriptInventory(transport_);
  auto o = options();
  o.resources = {{TokenKind::kProject, "sec/app"}, {TokenKind::kProject, "sec/gone"}};
  RestGitLabApi api(transport_, std::move(o));
  EXPECT_EQ(outcomeOf(api.inventory()), "not_found: project sec/gone was not found (or patbot's token cannot see it)");
}

// --- metrics ------------------------------------------------------------------------------------

TEST_F(GitLabResourceTokensTest, MetricsUseRouteTemplatesForTheNewRoutes) {
  MetricsRegistry metrics;
  transport_.setHandler([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    if (r.url.find("/rotate") != std::string::npos) return answer(200, createdJson(301, 91, kNewValue));
    if (r.method == "POST") return answer(201, createdJson(300, 91, kNewValue));
    if (r.method == "DELETE") return answer(204, "");
    if (r.url.find("/members/all/") != std::string::npos) return answer(200, R"({"id":3,"access_level":40})");
    if (r.url.find("/user") != std::string::npos && r.url.find("/users/") == std::string::npos) {
      return answer(200, R"({"id":3})");
    }
    if (r.url.find("/access_tokens/") != std::string::npos) return answer(200, tokenJson(5, 91));
    if (r.url.find("/projects/sec%2Fapp") != std::string::npos) {
      return answer(200, R"({"id":42,"path_with_namespace":"sec/app"})");
    }
    return page("[]", "");
  });
  auto o = options();
  o.metrics = &metrics;
  RestGitLabApi api(transport_, std::move(o));
  ASSERT_TRUE(api.listTokens(kSec).ok());
  ASSERT_TRUE(api.getToken(kApp, 5).ok());
  ASSERT_TRUE(api.createToken(kApp, resourceSpec(std::nullopt, 40)).ok());
  ASSERT_TRUE(api.revokeToken(kSec, 5).ok());
  ASSERT_TRUE(api.rotateToken(kApp, 5, kExpiry).ok());
  ASSERT_TRUE(api.rotateToken(kInventory, 101, kExpiry).ok());
  ASSERT_TRUE(api.getResource(TokenKind::kProject, "sec/app").ok());
  ASSERT_TRUE(api.callerAccess(kSec).ok());
  ASSERT_TRUE(api.botUserTies(kApp, 91).ok());
  const std::string text = metrics.render();
  for (const char* label : {R"(endpoint="/groups/:id/access_tokens",status="200")",
                            R"(endpoint="/projects/:id/access_tokens/:token_id",status="200")",
                            R"(endpoint="/projects/:id/access_tokens",status="201")",
                            R"(endpoint="/groups/:id/access_tokens/:token_id",status="204")",
                            R"(endpoint="/projects/:id/access_tokens/:token_id/rotate",status="200")",
                            R"(endpoint="/personal_access_tokens/:id/rotate",status="200")",
                            R"(endpoint="/projects/:id",status="200")",
                            R"(endpoint="/user",status="200")",
                            R"(endpoint="/groups/:id/members/all/:user_id",status="200")",
                            R"(endpoint="/users/:id/memberships",status="200")",
                            R"(endpoint="/projects/:id/protected_branches",status="200")",
                            R"(endpoint="/projects/:id/protected_environments",status="200")"}) {
    EXPECT_THAT(text, ::testing::HasSubstr(label));
  }
  EXPECT_EQ(text.find("sec/app"), std::string::npos);
  EXPECT_EQ(text.find("sec%2Fapp"), std::string::npos);
  EXPECT_EQ(text.find("RotatedValue"), std::string::npos);
}

// --- the watcher snapshot's JSON ----------------------------------------------------------------

TEST(GitLabResourceSnapshotJsonTest, OwnerAndTokenRoundTripWithKindAndAccessLevel) {
  AccessToken token = *accessTokenFromJson(tokenObject(5, 91, 30));
  ASSERT_EQ(token.accessLevel, 30);
  json written = toJson(token);
  EXPECT_EQ(written["access_level"], 30);
  auto back = accessTokenFromJson(written);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->accessLevel, 30);
  EXPECT_EQ(back->id, 5);
  EXPECT_EQ(back->userId, 91);
  EXPECT_EQ(back->expiresAt, token.expiresAt);

  for (const TokenOwner& owner : {kApp, kSec, kInventory}) {
    json j = toJson(owner);
    EXPECT_EQ(j["kind"], tokenKindName(owner.kind));
    auto read = tokenOwnerFromJson(j);
    ASSERT_TRUE(read.ok()) << read.error().detail;
    EXPECT_EQ(read->kind, owner.kind);
    EXPECT_EQ(read->id, owner.id);
    EXPECT_EQ(read->username, owner.username);
    EXPECT_EQ(read->name, owner.name);
  }
  EXPECT_EQ(toJson(kApp), (json{{"id", 42}, {"username", "sec/app"}, {"name", "App"}, {"kind", "project"}}));

  AccessToken personal = *accessTokenFromJson(tokenObject(1, 10, std::nullopt));
  EXPECT_TRUE(toJson(personal)["access_level"].is_null());
  EXPECT_EQ(accessTokenFromJson(toJson(personal))->accessLevel, std::nullopt);
}

TEST(GitLabResourceSnapshotJsonTest, AnOldSnapshotWithoutKindOrAccessLevelReadsAsPersonal) {
  // As toJson wrote them before project and group tokens.
  auto owner = tokenOwnerFromJson(json{{"id", 10}, {"username", "inventory-bot"}, {"name", "Inventory"}});
  ASSERT_TRUE(owner.ok()) << owner.error().detail;
  EXPECT_EQ(owner->kind, TokenKind::kPersonal);
  EXPECT_EQ(owner->label(), "inventory-bot");
  json oldToken = tokenObject(1, 10, std::nullopt);
  ASSERT_FALSE(oldToken.contains("access_level"));
  auto token = accessTokenFromJson(oldToken);
  ASSERT_TRUE(token.ok()) << token.error().detail;
  EXPECT_EQ(token->accessLevel, std::nullopt);

  auto unknown = tokenOwnerFromJson(json{{"id", 10}, {"username", "x"}, {"name", "x"}, {"kind", "robot"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kProtocol);
  auto badLevel = accessTokenFromJson(json{{"id", 1}, {"name", "t"}, {"access_level", "40"}});
  ASSERT_FALSE(badLevel.ok());
  EXPECT_THAT(badLevel.error().detail, ::testing::HasSubstr("access_level"));
}

TEST(GitLabResourceJsonTest, ResourceAnswersThatCannotBeRead) {
  EXPECT_FALSE(parseMemberships(membershipJson(1, "x", "User", 30).insert(0, "[").append("]")).ok());
  EXPECT_FALSE(parseMemberships(R"([{"source_id":1,"source_type":"Project"}])").ok());   // no access_level
  EXPECT_FALSE(parseProtectedBranches(R"([{"name":"main","push_access_levels":[{"user_id":"91"}]}])").ok());
  EXPECT_FALSE(parseProtectedEnvironments(R"([{"name":"prod","deploy_access_levels":{}}])").ok());
  EXPECT_FALSE(parseCurrentUser(R"({"id":3,"is_admin":"yes"})").ok());
  EXPECT_FALSE(parseMemberAccessLevel(R"({"id":3})").ok());
  EXPECT_FALSE(parseResourceOwner(R"({"id":42,"full_path":"sec"})", TokenKind::kProject).ok());
  auto refs = parseProtectedBranches(R"([{"name":"main"}])");   // CE: no rules naming users at all
  ASSERT_TRUE(refs.ok());
  EXPECT_TRUE((*refs)[0].userRules.empty());
}

}  // namespace
}  // namespace patbot::gitlab
