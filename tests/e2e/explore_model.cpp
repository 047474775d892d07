#include "tests/e2e/explore_model.h"

#include <fmt/format.h>

#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/kinds_world.h"

namespace patbot::e2e::explore {

const char* actorName(Actor a) {
  switch (a) {
    case Actor::kSlack: return "slack";
    case Actor::kCli: return "cli";
    case Actor::kWatcher: return "watcher";
  }
  return "?";
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> kScenarios = [] {
    // A rotation of the inventory token (101) by `actors`, as `configure` sets it up.
    auto scenario = [](std::string name, std::vector<Actor> actors, auto configure) {
      Scenario s;
      s.name = std::move(name);
      s.tokenName = kInventoryTokenName;
      s.account = "inventory-bot";
      s.actors = std::move(actors);
      configure(s);
      return s;
    };
    const std::vector<Actor> slackAndCli{Actor::kSlack, Actor::kCli};
    std::vector<Scenario> out{
        scenario("plain", {Actor::kSlack, Actor::kCli, Actor::kWatcher},
                 [](Scenario& s) {
                   s.pipeline = true;
                   s.planFaultActors = {Actor::kSlack};
                 }),
        scenario("immediate", slackAndCli, [](Scenario& s) { s.immediate = true; }),
        scenario("reveal", slackAndCli,
                 [](Scenario& s) {
                   s.tokenId = 107;
                   s.tokenName = "backup-restore";
                   s.account = "backup-bot";
                   s.reveal = true;
                 }),
        scenario("grace", {Actor::kSlack, Actor::kWatcher}, [](Scenario& s) { s.graceHours = true; }),
        scenario("expired", slackAndCli, [](Scenario& s) { s.expired = true; }),
        scenario("two", slackAndCli, [](Scenario& s) { s.groupVariable = true; }),
    };
    for (const char* d : {"retry", "roll_back", "revoke_old"}) {
      out.push_back(scenario(std::string("decide_") + d, {Actor::kSlack}, [d](Scenario& s) {
        s.groupVariable = true;
        s.pipeline = true;
        s.decision = d;
      }));
    }
    // Project and group access tokens, each consumed by one CI variable of sec/app.
    auto resourceScenario = [](std::string name, std::vector<Actor> actors, auto configure) {
      Scenario s;
      s.name = std::move(name);
      s.kind = "project";
      s.resource = kAppProject;
      s.resourceId = kAppProjectId;
      s.tokenId = kAppTokenId;
      s.tokenName = kAppTokenName;
      s.account = kAppProject;
      s.consumerProject = kAppProject;
      s.consumerKey = kAppKey;
      s.actors = std::move(actors);
      s.planFaultActors = {Actor::kSlack};
      configure(s);
      return s;
    };
    out.push_back(resourceScenario("project_rotate", slackAndCli, [](Scenario&) {}));
    out.push_back(resourceScenario("project_replace", slackAndCli, [](Scenario& s) { s.strategy = "replace"; }));
    out.push_back(resourceScenario("group_rotate", {Actor::kCli}, [](Scenario& s) {
      s.kind = "group";
      s.resource = kSecGroup;
      s.resourceId = kSecGroupId;
      s.tokenId = kGroupTokenId;
      s.tokenName = kGroupTokenName;
      s.account = kSecGroup;
      s.consumerKey = kGroupCiKey;
      s.planFaultActors.clear();
    }));
    return out;
  }();
  return kScenarios;
}

bool rotatesInPlace(const Scenario& s) {
  return s.kind != "personal" && s.strategy != "replace";
}

const std::vector<std::string>& gitlabActions() {
  static const std::vector<std::string> kActions{"kill_before", "kill_after", "500_after",
                                                 "500_before",  "429",        "hang"};
  return kActions;
}

const std::vector<std::string>& slackActions() {
  static const std::vector<std::string> kActions{"down", "ratelimited", "expired"};
  return kActions;
}

std::string scenarioKey(const Scenario& s, Actor a) { return fmt::format("{}.{}", actorName(a), s.name); }

std::string Schedule::id() const {
  std::string key = scenarioKey(*scenario, actor);
  if (!target) return key + "/baseline";
  if (target->slack) return fmt::format("{}/slack {}#{}/{}", key, target->path, target->occurrence, action);
  std::string path = target->path;
  const std::string prefix = "/api/v4/";
  if (path.rfind(prefix, 0) == 0) path = path.substr(prefix.size());
  return fmt::format("{}/{} {}#{}/{}", key, target->method, path, target->occurrence, action);
}

}  // namespace patbot::e2e::explore
