// `/pat status [QUERY] [--expiring DAYS] [--all]`: acks at once, then asks GitLab for every
// service account's tokens and posts the table in the channel through the response_url.
#pragma once

#include <string>

#include "core/clock.h"
#include "gitlab/gitlab_api.h"
#include "handlers/command.h"
#include "handlers/status_table.h"

namespace patbot::handlers {

// Parses status arguments; Error kInvalidInput naming the bad flag or value.
Result<StatusFilter> parseStatusArgs(const std::vector<std::string>& args);

class PatStatusHandler final : public Command {
 public:
  // `sourceLabel` describes where tokens come from, e.g. "gitlab.example.com · instance mode".
  PatStatusHandler(gitlab::GitLabApi& gitlab, const Clock& clock, int expiringWindowDays,
                   std::string sourceLabel);

  Result<Prepared> prepare(const CommandRequest& request) override;

  static constexpr const char* kUsage = "status [QUERY] [--expiring DAYS] [--all]";

 private:
  CommandOutput run(const StatusFilter& filter);

  gitlab::GitLabApi& gitlab_;
  const Clock& clock_;
  int expiringWindowDays_;
  std::string sourceLabel_;
};

}  // namespace patbot::handlers
