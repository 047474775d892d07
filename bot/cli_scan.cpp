#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "bot/cli.h"
#include "bot/gitlab_options.h"
#include "bot/logging.h"
#include "gitlab/rest_gitlab_api.h"
#include "handlers/status_format.h"
#include "handlers/status_json.h"
#include "handlers/status_table.h"
#include "http/client.h"

namespace patbot::cli {
namespace {

// How many owners of `kind` the scan listed (with or without tokens).
size_t ownersOf(const gitlab::Inventory& inventory, gitlab::TokenKind kind) {
  return static_cast<size_t>(std::count_if(inventory.accounts.begin(), inventory.accounts.end(),
                                           [kind](const gitlab::AccountTokens& a) { return a.account.kind == kind; }));
}

}  // namespace

int runScan(const EnvLookup& env, const ScanOptions& options) {
  auto config = loadConfig(ConfigNeeds::kGitLab, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, config->logLevel == "info" ? "warn" : config->logLevel);
  logConfigWarnings(*config);

  auto transport = http::makeCpprestTransport(http::ClientOptions{config->gitlabCaFile, "patbot/" PATBOT_VERSION});
  SystemClock clock;
  gitlab::RestGitLabOptions gl = gitlabOptions(*config, clock);
  // On a terminal, a progress line on stderr; piped or redirected, nothing.
  const bool showProgress = isatty(STDERR_FILENO) != 0;
  if (showProgress) {
    gl.onInventoryProgress = [](size_t done, size_t total, int requests) {
      std::cerr << "\rscanning: " << done << "/" << total << " service accounts, " << requests << " GitLab calls"
                << std::flush;
    };
  }
  gitlab::RestGitLabApi api(*transport, std::move(gl));

  auto inventory = api.inventory();
  if (showProgress) std::cerr << "\r\033[K" << std::flush;
  if (!inventory) return fail("scan failed: " + inventory.error().message, 2);

  auto now = clock.now();
  handlers::StatusFilter filter;   // every unrevoked token
  auto rows = handlers::statusRows(*inventory, utcDay(now), config->policy.expiringWindowDays(), filter);

  bool anyExpired = false;
  bool anyWithinWarn = false;
  for (const auto& r : rows) {
    if (r.state == handlers::TokenState::kExpired) anyExpired = true;
    else if (r.daysLeft && *r.daysLeft <= options.warnDays) anyWithinWarn = true;
  }
  auto counts = handlers::countRows(rows);
  if (options.json) {
    nlohmann::json out = {{"scanned_at", formatTimestamp(now)},
                          {"warn_days", options.warnDays},
                          {"gitlab_requests", inventory->requests},
                          {"service_accounts", ownersOf(*inventory, gitlab::TokenKind::kPersonal)},
                          {"projects", ownersOf(*inventory, gitlab::TokenKind::kProject)},
                          {"groups", ownersOf(*inventory, gitlab::TokenKind::kGroup)},
                          {"summary", {{"tokens", counts.tokens}, {"expired", counts.expired}, {"expiring", counts.expiring}}},
                          {"tokens", nlohmann::json::array()}};
    for (const auto& r : rows) out["tokens"].push_back(handlers::statusRowJson(r));
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cout << handlers::statusText(rows) << "\n"
              << handlers::statusSummary(counts, config->policy.expiringWindowDays()) << " (" << inventory->requests
              << " GitLab calls)" << std::endl;
  }
  if (anyExpired) return 2;
  if (anyWithinWarn) return 1;
  return 0;
}

}  // namespace patbot::cli
