// The world of one exploration scenario: the fake GitLab's seed and patbot's policy file.
// Deterministic for a date (built on fakes::demoSeed).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/explore_model.h"

namespace patbot::e2e::explore {

// demoSeed(today) (kindsSeed(today) for a project or group token) where only the scenario's
// consumers hold the rotated token: the group variable
// exists only with `groupVariable`; token 101 expired yesterday with `expired`; the decide_*
// scenarios' pipeline reads kBrokenVerifyKey (fake_gitlab_view.h), so verification fails.
nlohmann::json scenarioSeed(const Scenario& s, Date today);

// The seed with the pipeline reading kInventoryProjectKey again (what an operator fixes before Retry).
nlohmann::json repairedPipeline(nlohmann::json state);

// The policy TOML: operators, grace hours, the watcher's auto-rotation (actor watcher), and the
// rotated token's [[token]] entry (none for --reveal).
std::string scenarioPolicy(const Scenario& s, Actor actor);

// The consumers the policy names: {"project", path, key} / {"group", path, key}.
struct Consumer {
  std::string kind;
  std::string owner;
  std::string key;
};
std::vector<Consumer> consumersOf(const Scenario& s);

// Id of the service account that owns the scenario's token (personal tokens only).
int64_t accountIdOf(const Scenario& s);

// Whether `token` (a token of the fake's state) is of the rotated token's family: its name and
// its service account, or for a project/group token its name and resource (a replace gives the
// new token a new bot user; a rotate keeps it).
bool inFamily(const Scenario& s, const nlohmann::json& token);

}  // namespace patbot::e2e::explore
