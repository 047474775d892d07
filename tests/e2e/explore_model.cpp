#include "tests/e2e/explore_model.h"

#include <fmt/format.h>

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
    const std::string inventory = "GitLab Security Service - Architecture - Inventory";
    std::vector<Scenario> out;
    auto base = [&](std::string name) {
      Scenario s;
      s.name = std::move(name);
      s.tokenName = inventory;
      s.account = "inventory-bot";
      return s;
    };
    {
      Scenario s = base("plain");
      s.pipeline = true;
      s.actors = {Actor::kSlack, Actor::kCli, Actor::kWatcher};
      s.planFaultActors = {Actor::kSlack};
      out.push_back(s);
    }
    {
      Scenario s = base("immediate");
      s.immediate = true;
      s.actors = {Actor::kSlack, Actor::kCli};
      out.push_back(s);
    }
    {
      Scenario s = base("reveal");
      s.tokenId = 107;
      s.tokenName = "backup-restore";
      s.account = "backup-bot";
      s.reveal = true;
      s.actors = {Actor::kSlack, Actor::kCli};
      out.push_back(s);
    }
    {
      Scenario s = base("grace");
      s.graceHours = true;
      s.actors = {Actor::kSlack, Actor::kWatcher};
      out.push_back(s);
    }
    {
      Scenario s = base("expired");
      s.expired = true;
      s.actors = {Actor::kSlack, Actor::kCli};
      out.push_back(s);
    }
    {
      Scenario s = base("two");
      s.groupVariable = true;
      s.actors = {Actor::kSlack, Actor::kCli};
      out.push_back(s);
    }
    for (const char* d : {"retry", "roll_back", "revoke_old"}) {
      Scenario s = base(std::string("decide_") + d);
      s.groupVariable = true;
      s.pipeline = true;
      s.decision = d;
      s.actors = {Actor::kSlack};
      out.push_back(s);
    }
    return out;
  }();
  return kScenarios;
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
