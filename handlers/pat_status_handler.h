// `/pat status [QUERY] [--expiring DAYS] [--all]`: acks at once, then posts the table of every
// service account's tokens in the channel through the response_url. The tokens come from the
// expiry watcher's last scan when it is younger than kCachedInventoryMaxAge (the footer says how
// old), else from GitLab.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "gitlab/gitlab_api.h"
#include "handlers/command.h"
#include "handlers/inventory_snapshot.h"
#include "handlers/status_table.h"

namespace patbot::handlers {

// Parses status arguments; Error kInvalidInput naming the bad flag or value.
Result<StatusFilter> parseStatusArgs(const std::vector<std::string>& args);

// The watcher's snapshot, or nullopt when there is none or it must not be reused (e.g. a token
// was created or revoked since). Called on the executor; must be thread-safe.
using InventoryCache = std::function<std::optional<InventorySnapshot>()>;

inline constexpr std::chrono::minutes kCachedInventoryMaxAge{5};

class PatStatusHandler final : public Command {
 public:
  // `sourceLabel` describes where tokens come from, e.g. "gitlab.example.com · instance mode".
  // `cache` may be empty (always ask GitLab).
  PatStatusHandler(gitlab::GitLabApi& gitlab, const Clock& clock, int expiringWindowDays,
                   std::string sourceLabel, InventoryCache cache = {});

  Result<Prepared> prepare(const CommandRequest& request) override;

  static constexpr const char* kUsage = "status [QUERY] [--expiring DAYS] [--all]";

 private:
  CommandOutput run(const StatusFilter& filter);

  gitlab::GitLabApi& gitlab_;
  const Clock& clock_;
  int expiringWindowDays_;
  std::string sourceLabel_;
  InventoryCache cache_;
};

}  // namespace patbot::handlers
