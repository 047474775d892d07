// `/pat status [QUERY] [--expiring DAYS] [--all]`: acks at once, then posts the table of every
// watched token (service accounts' personal tokens, project and group access tokens) in the channel
// through the response_url; QUERY is StatusFilter::query. The tokens come from the expiry
// watcher's last scan (CachedInventory::reusable()) when it is younger than kCachedInventoryMaxAge
// (the footer says how old), else from GitLab.
#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "gitlab/gitlab_api.h"
#include "handlers/cached_inventory.h"
#include "handlers/command.h"
#include "handlers/status_table.h"

namespace patbot::handlers {

// Parses status arguments; Error kInvalidInput naming the bad flag or value.
Result<StatusFilter> parseStatusArgs(const std::vector<std::string>& args);

inline constexpr std::chrono::minutes kCachedInventoryMaxAge{5};

class PatStatusHandler final : public Command {
 public:
  // `sourceLabel` describes where tokens come from, e.g. "gitlab.example.com · instance mode".
  // Borrows `gitlab`, `clock` and `cache`; they must outlive the handler. `cache` may be null
  // (always ask GitLab); it is read on the executor's threads.
  PatStatusHandler(gitlab::GitLabApi& gitlab, const Clock& clock, int expiringWindowDays,
                   std::string sourceLabel, CachedInventory* cache = nullptr);

  Result<Prepared> prepare(const CommandRequest& request) override;

  static constexpr const char* kUsage = "status [QUERY] [--expiring DAYS] [--all]";

 private:
  CommandOutput run(const StatusFilter& filter);

  gitlab::GitLabApi& gitlab_;
  const Clock& clock_;
  int expiringWindowDays_;
  std::string sourceLabel_;
  CachedInventory* cache_;
};

}  // namespace patbot::handlers
