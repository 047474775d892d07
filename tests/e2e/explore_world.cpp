#include "tests/e2e/explore_world.h"

#include "sim/seeds.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/kinds_world.h"

namespace patbot::e2e::explore {

using nlohmann::json;

json scenarioSeed(const Scenario& s, Date today) {
  json seed = s.kind == "personal" ? fakes::demoSeed(today) : kindsSeed(today);
  if (!s.groupVariable) {
    for (auto& g : seed["groups"]) g["variables"] = json::array();
  }
  if (s.expired) {
    for (auto& t : seed["tokens"]) {
      if (t["id"] == 101) t["expires_at"] = formatDate(today - std::chrono::days(1));
    }
  }
  if (!s.decision.empty()) breakVerifyPipeline(seed);
  return seed;
}

json repairedPipeline(json state) {
  for (auto& p : state["projects"]) {
    if (p["path"] == kInventoryProject) p["verify_variable"] = kInventoryProjectKey;
  }
  return state;
}

std::string scenarioPolicy(const Scenario& s, Actor actor) {
  Policy policy;
  policy.tokens.clear();
  if (s.graceHours) policy.revokeGraceHours = 48;
  if (actor == Actor::kWatcher) policy.autoRotateDaysBefore = 7;
  if (s.kind != "personal") {
    PolicyToken token = resourceTokenInProject(s.kind, s.resource, s.tokenName, s.consumerProject, s.consumerKey);
    if (!s.strategy.empty()) token.strategy = s.strategy;
    policy.tokens.push_back(token);
  } else if (!s.reveal) {
    PolicyToken token = tokenInProject(s.account, s.tokenName, kInventoryProject, kInventoryProjectKey);
    if (s.groupVariable) token.groupVariables = {{kInventoryGroup, kInventoryGroupKey}};
    if (s.pipeline) token.verifyPipelineProject = kInventoryProject;
    policy.tokens.push_back(token);
  }
  return policyToml(policy);
}

std::vector<Consumer> consumersOf(const Scenario& s) {
  if (s.kind != "personal") return {{"project", s.consumerProject, s.consumerKey}};
  if (s.reveal) return {};
  std::vector<Consumer> out{{"project", kInventoryProject, kInventoryProjectKey}};
  if (s.groupVariable) out.push_back({"group", kInventoryGroup, kInventoryGroupKey});
  return out;
}

int64_t accountIdOf(const Scenario& s) { return s.account == "backup-bot" ? 12 : 10; }

bool inFamily(const Scenario& s, const json& token) {
  if (token.value("name", "") != s.tokenName) return false;
  if (s.kind == "personal") return !token.contains("resource_type") && token.value("user_id", int64_t{0}) == accountIdOf(s);
  return token.value("resource_type", "") == s.kind && token.value("resource_id", int64_t{0}) == s.resourceId;
}

}  // namespace patbot::e2e::explore
