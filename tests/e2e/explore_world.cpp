#include "tests/e2e/explore_world.h"

#include <fmt/format.h>

#include "sim/seeds.h"

namespace patbot::e2e::explore {

using nlohmann::json;

json scenarioSeed(const Scenario& s, Date today) {
  json seed = fakes::demoSeed(today);
  if (!s.groupVariable) {
    for (auto& g : seed["groups"]) g["variables"] = json::array();
  }
  if (s.expired) {
    for (auto& t : seed["tokens"]) {
      if (t["id"] == 101) t["expires_at"] = formatDate(today - std::chrono::days(1));
    }
  }
  if (!s.decision.empty()) {
    for (auto& p : seed["projects"]) {
      if (p["path"] != kProject) continue;
      p["variables"].push_back({{"key", kBrokenKey}, {"value", "glpat-not-a-real-token-000"}, {"masked", true},
                                {"protected", false}, {"raw", false}, {"environment_scope", "*"},
                                {"variable_type", "env_var"}, {"hidden", false}});
      p["verify_variable"] = kBrokenKey;
    }
  }
  return seed;
}

json repairedPipeline(json state) {
  for (auto& p : state["projects"]) {
    if (p["path"] == kProject) p["verify_variable"] = kProjectKey;
  }
  return state;
}

std::string scenarioPolicy(const Scenario& s, Actor actor) {
  std::string out = fmt::format("[access]\noperators = [\"{}\"]\n", kOperator);
  if (s.graceHours) out += "\n[rotation]\nrevoke_grace_hours = 48\n";
  if (actor == Actor::kWatcher) out += "\n[watch]\nauto_rotate_days_before = 7\n";
  if (s.reveal) return out;
  out += fmt::format("\n[[token]]\naccount = \"{}\"\nname = \"{}\"\n", s.account, s.tokenName);
  out += fmt::format("ci_variables = [{{ project = \"{}\", key = \"{}\" }}]\n", kProject, kProjectKey);
  if (s.groupVariable) out += fmt::format("group_variables = [{{ group = \"{}\", key = \"{}\" }}]\n", kGroup, kGroupKey);
  if (s.pipeline) out += fmt::format("verify_pipeline = {{ project = \"{}\", ref = \"main\" }}\n", kProject);
  return out;
}

std::vector<Consumer> consumersOf(const Scenario& s) {
  if (s.reveal) return {};
  std::vector<Consumer> out{{"project", kProject, kProjectKey}};
  if (s.groupVariable) out.push_back({"group", kGroup, kGroupKey});
  return out;
}

int64_t accountIdOf(const Scenario& s) { return s.account == "backup-bot" ? 12 : 10; }

}  // namespace patbot::e2e::explore
