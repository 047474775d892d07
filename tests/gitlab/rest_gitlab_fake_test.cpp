// RestGitLabApi's rotation calls against the real FakeGitLab (in process, SimulatedGitLab),
// seeded with fakes::demoSeed: the whole runbook in instance and group mode.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "gitlab/gitlab_errors.h"
#include "gitlab/rest_gitlab_api.h"
#include "sim/seeds.h"
#include "tests/support/outcome.h"
#include "tests/support/simulated_gitlab.h"

namespace patbot::gitlab {
namespace {

using nlohmann::json;
using std::chrono::days;
using patbot::testing::outcomeOf;

constexpr const char* kInventoryName = "GitLab Security Service - Architecture - Inventory";
const TokenOwner kInventory{10, "inventory-bot", "Inventory"};

// The simulated GitLab on a fixed clock, and a client of it in the test's mode: as the admin, or
// as the owner of group sec.
class GitLabFakeRotationTest : public ::testing::TestWithParam<Mode> {
 protected:
  GitLabFakeRotationTest()
      : clock_(parseTimestamp("2025-06-11T09:00:00.000Z").value()),
        today_(utcDay(clock_.now())),
        gitlab_(clock_, fakes::demoSeed(today_), [this](RestGitLabOptions& o, const json& seed) {
          o.mode = GetParam();
          if (o.mode == Mode::kGroup) {
            o.group = "sec";
            o.token = Secret(fakes::groupOwnerTokenOf(seed));
          }
        }) {}

  // Polls a pipeline until it finishes (the fake moves it one step per GET).
  Result<Pipeline> pollToEnd(const std::string& project, int64_t id) {
    for (int i = 0; i < 10; ++i) {
      auto p = gitlab_.api().getPipeline(project, id);
      if (!p || pipelineFinished(p->status)) return p;
    }
    return Error::make(ErrorKind::kTimeout, "pipeline did not finish");
  }

  FakeClock clock_;
  Date today_;
  patbot::testing::SimulatedGitLab gitlab_;
};

TEST_P(GitLabFakeRotationTest, TheWholeRunbook) {
  RestGitLabApi& api = gitlab_.api();

  // The old token, fresh from GitLab.
  auto old = api.getToken(kInventory, 101);
  ASSERT_TRUE(old.ok()) << old.error().message;
  ASSERT_EQ(old->name, kInventoryName);
  ASSERT_TRUE(old->active);

  // Create its replacement with the same name, description and scopes.
  TokenSpec spec{old->name, old->description, old->scopes, today_ + days(365)};
  auto created = api.createToken(kInventory, spec);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->value.reveal().rfind("glpat-", 0), 0u);
  EXPECT_NE(created->token.id, 101);
  EXPECT_EQ(created->token.name, kInventoryName);
  EXPECT_EQ(created->token.scopes, old->scopes);
  EXPECT_EQ(created->token.expiresAt, today_ + days(365));
  EXPECT_TRUE(created->token.active);

  // Deliver it to the project and the group variable, keeping their settings.
  const VariableRef projectVar{VariableOwnerKind::kProject, "sec/inventory-builder", "GITLAB_API_TOKEN", ""};
  const VariableRef groupVar{VariableOwnerKind::kGroup, "sec", "INVENTORY_TOKEN", "*"};
  ASSERT_TRUE(api.updateVariable(projectVar, created->value).ok());
  ASSERT_TRUE(api.updateVariable(groupVar, created->value).ok());
  EXPECT_TRUE(gitlab_.variableValue("GITLAB_API_TOKEN") == created->value.reveal());
  EXPECT_TRUE(gitlab_.variableValue("INVENTORY_TOKEN") == created->value.reveal());
  auto meta = api.getVariable(projectVar);
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  EXPECT_TRUE(meta->masked);
  EXPECT_EQ(meta->environmentScope, "*");
  auto groupMeta = api.getVariable(groupVar);
  ASSERT_TRUE(groupMeta.ok()) << groupMeta.error().message;
  EXPECT_EQ(groupMeta->key, "INVENTORY_TOKEN");

  // Verify: the new token answers for itself, then the pipeline goes green.
  auto self = api.tokenSelf(created->value);
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->id, created->token.id);
  EXPECT_TRUE(self->active);

  auto failed = api.latestPipeline("sec/inventory-builder", "main", "failed");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  ASSERT_TRUE(failed->has_value());
  EXPECT_EQ((*failed)->id, 47);
  auto retried = api.retryPipeline("sec/inventory-builder", 47);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_FALSE(pipelineFinished(retried->status));
  auto retriedEnd = pollToEnd("sec/inventory-builder", 47);
  ASSERT_TRUE(retriedEnd.ok()) << retriedEnd.error().message;
  EXPECT_EQ(retriedEnd->status, "success");

  auto pipeline = api.createPipeline("sec/inventory-builder", "main");
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;
  EXPECT_EQ(pipeline->ref, "main");
  EXPECT_NE(pipeline->webUrl.find("/sec/inventory-builder/-/pipelines/"), std::string::npos) << pipeline->webUrl;
  auto end = pollToEnd("sec/inventory-builder", pipeline->id);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(end->status, "success");
  auto latest = api.latestPipeline("5", "main", "");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, pipeline->id);

  // Revoke the old token; GitLab then reports it revoked, and a second revoke is harmless.
  ASSERT_TRUE(api.revokeToken(kInventory, 101).ok());
  auto after = api.getToken(kInventory, 101);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_TRUE(after->revoked);
  EXPECT_FALSE(after->active);
  EXPECT_EQ(gitlab_.token(101)["revoked"], true);
  EXPECT_TRUE(api.tokenSelf(created->value).ok());

  // Note on the tracking issue and close it (twice: closing a closed issue is fine).
  ASSERT_TRUE(api.addIssueNote("sec/team", 262, "Token rotated by patbot").ok());
  ASSERT_TRUE(api.closeIssue("sec/team", 262).ok());
  ASSERT_TRUE(api.closeIssue("sec/team", 262).ok());
  const json tracked = gitlab_.issue("sec/team", 262);
  ASSERT_FALSE(tracked.is_null());
  EXPECT_EQ(tracked["state"], "closed");
  ASSERT_TRUE(tracked.contains("notes"));
  ASSERT_EQ(tracked["notes"].size(), 1u);
}

TEST_P(GitLabFakeRotationTest, TooLongAnExpiryNamesTheLatestAllowedDate) {
  RestGitLabApi& api = gitlab_.api();
  TokenSpec spec{kInventoryName, std::nullopt, {"api"}, today_ + days(400)};
  auto refused = api.createToken(kInventory, spec);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(refused.error().httpStatus, 422);
  auto max = maxExpiryFromError(refused.error());
  ASSERT_TRUE(max.has_value()) << refused.error().message;
  EXPECT_EQ(*max, today_ + days(365));

  spec.expiresAt = *max;
  auto created = api.createToken(kInventory, spec);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->token.expiresAt, *max);
}

TEST_P(GitLabFakeRotationTest, MissingVariablesProjectsAndTokens) {
  RestGitLabApi& api = gitlab_.api();
  const Secret value("glpat-NotARealValue00000001");
  EXPECT_EQ(outcomeOf(api.updateVariable(VariableRef{VariableOwnerKind::kProject, "sec/team", "GITLAB_API_TOKEN", ""}, value)),
            "not_found: The CI/CD variable GITLAB_API_TOKEN does not exist in project sec/team; patbot does not create "
            "variables: create it in GitLab or fix the [[token]] entry");

  auto unknown = api.revokeToken(kInventory, 99999);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  auto absent = api.getToken(kInventory, 99999);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().kind, ErrorKind::kNotFound);

  auto noProject = api.createPipeline("sec/nope", "main");
  ASSERT_FALSE(noProject.ok());
  EXPECT_EQ(noProject.error().kind, ErrorKind::kNotFound);
}

// Admin Mode on: root's token without the admin_mode scope acts as a non-admin's, and every
// instance-mode call that needs an admin says which scope is missing; with the scope it works.
TEST(GitLabFakeAdminModeTest, AnAdminTokenWithoutTheAdminModeScopeIsToldWhatItLacks) {
  FakeClock clock(parseTimestamp("2025-06-11T09:00:00.000Z").value());
  json seed = fakes::demoSeed(utcDay(clock.now()));
  seed["admin_mode"] = true;
  const std::string withScope = "glpat-test-adminmode-000001";
  seed["tokens"].push_back({{"id", 901}, {"user_id", 1}, {"name", "patbot"}, {"scopes", {"api", "admin_mode"}},
                            {"expires_at", "2025-12-01"}, {"value", withScope}});
  patbot::testing::SimulatedGitLab gitlab(clock, seed);
  RestGitLabApi& api = gitlab.api();   // root's token without the scope
  auto self = api.selfToken();   // any scope may read itself
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->scopes, std::vector<std::string>{"api"});
  auto accounts = api.listServiceAccounts();
  ASSERT_FALSE(accounts.ok());
  EXPECT_EQ(accounts.error().kind, ErrorKind::kForbidden);
  EXPECT_NE(accounts.error().message.find("admin_mode scope"), std::string::npos) << accounts.error().message;
  auto tokens = api.listTokens(kInventory);
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().kind, ErrorKind::kUnauthorized);
  EXPECT_NE(tokens.error().message.find("admin_mode scope"), std::string::npos) << tokens.error().message;
  auto created = api.createToken(kInventory, TokenSpec{"x", std::nullopt, {"api"}, utcDay(clock.now()) + days(30)});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::kForbidden);
  EXPECT_NE(created.error().message.find("admin_mode scope"), std::string::npos) << created.error().message;

  auto scoped = gitlab.newClient([&](RestGitLabOptions& o, const json&) { o.token = Secret(withScope); });
  auto listed = scoped->listServiceAccounts();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(listed->size(), 5u);
  auto own = scoped->listTokens(kInventory);
  ASSERT_TRUE(own.ok()) << own.error().message;
}

INSTANTIATE_TEST_SUITE_P(Modes, GitLabFakeRotationTest, ::testing::Values(Mode::kInstance, Mode::kGroup),
                         [](const ::testing::TestParamInfo<Mode>& param) {
                           return param.param == Mode::kInstance ? std::string("Instance") : std::string("Group");
                         });

}  // namespace
}  // namespace patbot::gitlab
