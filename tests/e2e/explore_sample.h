// The fixed sample of schedules the default test suite runs (ctest e2e_explore_sample): every
// fault kind and every actor at least once, about a minute in all (each scenario key also runs
// its baseline to learn its calls: five here). Ids as explore_rotations prints them.
#pragma once

#include <string>
#include <vector>

namespace patbot::e2e::explore {

inline const std::vector<std::string>& sampleIds() {
  static const std::vector<std::string> kIds{
      "slack.plain/POST users/10/personal_access_tokens#1/kill_after",
      "slack.plain/GET projects/sec/inventory-builder/pipelines/47#1/hang",
      "cli.plain/PUT projects/sec/inventory-builder/variables/GITLAB_API_TOKEN#1/kill_before",
      "cli.plain/POST users/10/personal_access_tokens#1/429",
      "watcher.plain/DELETE personal_access_tokens/101#1/500_after",
      "watcher.plain/PUT projects/sec/inventory-builder/variables/GITLAB_API_TOKEN#1/500_before",
      "slack.reveal/slack response_url#2/down",
      "slack.reveal/POST users/12/personal_access_tokens#1/kill_after",
      "slack.decide_roll_back/PUT groups/sec/variables/INVENTORY_TOKEN#1/kill_after",
      "slack.decide_roll_back/slack response_url#1/expired",
  };
  return kIds;
}

}  // namespace patbot::e2e::explore
