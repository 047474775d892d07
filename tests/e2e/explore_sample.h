// The fixed sample of schedules the default test suite runs (ctest e2e_explore_sample): every
// fault kind and every actor at least once, about a minute and a half in all (each scenario key
// also runs its baseline to learn its calls: six here). Ids as explore_rotations prints them.
#pragma once

#include <string>
#include <vector>

namespace patbot::e2e::explore {

inline const std::vector<std::string>& sampleIds() {
  static const std::vector<std::string> kIds{
      "cli.immediate/PUT projects/sec/inventory-builder/variables/GITLAB_API_TOKEN#1/kill_before",
      "cli.immediate/DELETE personal_access_tokens/101#1/kill_after",
      "watcher.grace/POST users/10/personal_access_tokens#1/500_after",
      "watcher.grace/PUT projects/sec/inventory-builder/variables/GITLAB_API_TOKEN#1/500_before",
      "watcher.grace/GET personal_access_tokens/self#2/hang",
      "slack.reveal/POST users/12/personal_access_tokens#1/kill_after",
      "slack.reveal/POST users/12/personal_access_tokens#1/429",
      "slack.reveal/slack response_url#1/down",
      "slack.decide_roll_back/PUT groups/sec/variables/INVENTORY_TOKEN#1/kill_after",
      "slack.decide_roll_back/slack response_url#1/expired",
      // Project access tokens (issue 16): a rotate whose answer was lost, live and across a crash,
      // a crash before delivery, and both ends of a replace.
      "cli.project_rotate/POST projects/7/access_tokens/201/rotate#1/kill_after",
      "cli.project_rotate/POST projects/7/access_tokens/201/rotate#1/500_after",
      "cli.project_rotate/PUT projects/sec/app/variables/DEPLOY_TOKEN#1/kill_before",
      "cli.project_replace/POST projects/7/access_tokens#1/kill_after",
      "cli.project_replace/DELETE projects/7/access_tokens/201#1/kill_before",
  };
  return kIds;
}

}  // namespace patbot::e2e::explore
