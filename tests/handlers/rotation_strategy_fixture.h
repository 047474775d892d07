// The fixture of the rotation-strategy tests (issue 16): RotationEngineFixture's journal, audit
// trail, clock and demo instance, plus a project and a group outside `sec` with one access token
// each, both consumed by CI variables of that project:
//   project ext/app (id 7): token 201 "deploy-token" (Maintainer, bot user 50, expires in 5 days),
//     variable APP_TOKEN holds it; verify pipeline ext/app@main (verify_variable APP_TOKEN);
//   group ext (id 300):     token 202 "group-deploy" (Developer, bot user 51), variable
//     GROUP_TOKEN of ext/app holds it.
// patbot is either root (an administrator, instance mode, watching ext/app and ext) or sec-owner
// (user 2: group mode on `sec`, Owner there, Maintainer of ext/app and no member of ext; watching
// ext/app only). The policy names both tokens with no strategy (so rotate, their kind's default)
// beside the base fixture's inventory-bot entry.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/seeds.h"
#include "tests/handlers/rotation_engine_fixture.h"

namespace patbot::handlers::testing {

inline constexpr int64_t kAppProject = 7;
inline constexpr int64_t kExtGroup = 300;
inline constexpr int64_t kAppToken = 201;
inline constexpr int64_t kGroupToken = 202;
inline constexpr int64_t kAppBot = 50;
inline constexpr int64_t kGroupBot = 51;
inline constexpr const char* kAppTokenName = "deploy-token";
inline constexpr const char* kGroupTokenName = "group-deploy";

enum class Patbot { kAdmin, kGroupOwner };

class RotationStrategyFixture : public RotationEngineFixture {
 protected:
  void SetUp() override {
    RotationEngineFixture::SetUp();
    TokenPolicy app;
    app.kind = TokenKind::kProject;
    app.account = "ext/app";
    app.name = kAppTokenName;
    app.ciVariables = {{"ext/app", "APP_TOKEN", ""}};
    app.verifyPipeline = PipelineRef{"ext/app", "main"};
    TokenPolicy group;
    group.kind = TokenKind::kGroup;
    group.account = "ext";
    group.name = kGroupTokenName;
    group.ciVariables = {{"ext/app", "GROUP_TOKEN", ""}};
    policy_.tokens.push_back(app);
    policy_.tokens.push_back(group);
    startStrategyGitLab(Patbot::kAdmin);
  }

  // The demo seed plus ext/app and ext with their tokens (above). `appTokenLevel` is token 201's
  // access level; `appTokenExpires` its expiry in days from today (negative: already expired).
  nlohmann::json strategySeed(int appTokenLevel = 40, int appTokenExpires = 5) {
    const Date today = utcDay(clock_.now());
    nlohmann::json seed = fakes::demoSeed(today);
    auto variable = [](const std::string& key, const std::string& value) {
      return nlohmann::json{{"key", key},       {"value", value},          {"masked", true},
                            {"protected", false}, {"raw", false},          {"environment_scope", "*"},
                            {"variable_type", "env_var"}, {"hidden", false}, {"description", nullptr}};
    };
    seed["groups"].push_back({{"id", kExtGroup}, {"path", "ext"}, {"owners", nlohmann::json::array()},
                              {"variables", nlohmann::json::array()}});
    seed["projects"].push_back({{"id", kAppProject},
                                {"path", "ext/app"},
                                {"maintainers", nlohmann::json::array()},
                                {"variables", {variable("APP_TOKEN", kAppValue), variable("GROUP_TOKEN", kGroupValue)}},
                                {"pipelines", {{{"id", 70}, {"iid", 1}, {"ref", "main"}, {"status", "failed"}}}},
                                {"verify_variable", "APP_TOKEN"},
                                {"issues", nlohmann::json::array()}});
    seed["users"].push_back({{"id", kAppBot}, {"username", "project_7_bot_0123456789abcdef0123456789abcdef"},
                             {"name", kAppTokenName}, {"bot_of", {{"resource_type", "project"}, {"resource_id", kAppProject}}}});
    seed["users"].push_back({{"id", kGroupBot}, {"username", "group_300_bot_0123456789abcdef0123456789abcdef"},
                             {"name", kGroupTokenName}, {"bot_of", {{"resource_type", "group"}, {"resource_id", kExtGroup}}}});
    seed["members"] = {
        {{"user_id", kAppBot}, {"source_type", "project"}, {"source_id", kAppProject}, {"access_level", appTokenLevel}},
        {{"user_id", kGroupBot}, {"source_type", "group"}, {"source_id", kExtGroup}, {"access_level", 30}},
        // sec-owner, patbot in group mode: Maintainer of ext/app.
        {{"user_id", 2}, {"source_type", "project"}, {"source_id", kAppProject}, {"access_level", 40}}};
    auto resourceToken = [&](int64_t id, int64_t user, const char* name, const char* type, int64_t resource,
                             int level, int expiresIn, const std::string& value) {
      return nlohmann::json{{"id", id}, {"user_id", user}, {"name", name}, {"description", nullptr},
                            {"scopes", {"api"}}, {"expires_at", formatDate(today + std::chrono::days(expiresIn))},
                            {"revoked", false}, {"created_at", formatTimestamp(TimePoint(today - std::chrono::days(300)))},
                            {"last_used_at", nullptr}, {"value", value}, {"resource_type", type},
                            {"resource_id", resource}, {"access_level", level}};
    };
    seed["tokens"].push_back(
        resourceToken(kAppToken, kAppBot, kAppTokenName, "project", kAppProject, appTokenLevel, appTokenExpires, kAppValue));
    seed["tokens"].push_back(
        resourceToken(kGroupToken, kGroupBot, kGroupTokenName, "group", kExtGroup, 30, 20, kGroupValue));
    return seed;
  }

  // A new simulated GitLab of `seed` (strategySeed() when null) with patbot as `who`, and a new
  // engine on it.
  void startStrategyGitLab(Patbot who, nlohmann::json seed = nullptr) {
    engine_.reset();
    if (seed.is_null()) seed = strategySeed();
    gitlab_ = std::make_unique<patbot::testing::SimulatedGitLab>(
        clock_, std::move(seed), [who](gitlab::RestGitLabOptions& o, const nlohmann::json& s) {
          o.maxAttempts = 2;
          if (who == Patbot::kAdmin) {
            o.resources = {{TokenKind::kProject, "ext/app"}, {TokenKind::kGroup, "ext"}};
          } else {
            o.mode = gitlab::Mode::kGroup;
            o.group = "sec";
            o.token = Secret(fakes::groupOwnerTokenOf(s));
            o.resources = {{TokenKind::kProject, "ext/app"}};
          }
        });
    transport_ = &gitlab_->transport();
    api_ = &gitlab_->api();
    makeEngine();
  }

  // POST to one of the fake's control routes (/_fake/...); its parsed answer. A failure is a test
  // failure.
  nlohmann::json control(const std::string& path, const nlohmann::json& body) {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.body = body.dump();
    auto answer = gitlab_->fake().handle(r);
    EXPECT_LT(answer.status, 300) << path << ": " << answer.body;
    return nlohmann::json::parse(answer.body, nullptr, false);
  }

  RotationRequest strategyRequest(std::string token, std::optional<RotationStrategy> strategy = std::nullopt,
                                  std::string key = "strategy-1") {
    auto r = request(std::move(token), std::move(key));
    r.strategy = strategy;
    return r;
  }

  // How many rotate calls GitLab answered (any token, any route).
  int rotateCalls() { return gitlab_->calls("POST", "/rotate"); }
  bool revoked(int64_t id) { return token(id)["revoked"].get<bool>(); }
  bool userExists(int64_t id) {
    const nlohmann::json state = gitlab_->state();   // kept alive while iterating
    for (const auto& u : state["users"]) {
      if (u["id"] == id) return true;
    }
    return false;
  }

  const std::string kAppValue = "glpat-ext-app-deploy-token-00000001";
  const std::string kGroupValue = "glpat-ext-group-deploy-token-0000002";
};

}  // namespace patbot::handlers::testing
