// The GitLab client settings every patbot command derives from its configuration, on the
// command's clock (borrowed: it must outlive the RestGitLabApi built from them).
#pragma once

#include "bot/config.h"
#include "core/clock.h"
#include "gitlab/rest_gitlab_api.h"

namespace patbot {

inline gitlab::RestGitLabOptions gitlabOptions(const Config& config, const Clock& clock) {
  gitlab::RestGitLabOptions options;
  options.baseUrl = config.gitlabUrl;
  options.token = config.gitlabToken.clone();
  options.mode = config.gitlabGroup.empty() ? gitlab::Mode::kInstance : gitlab::Mode::kGroup;
  options.group = config.gitlabGroup;
  options.concurrency = config.gitlabConcurrency;
  // GITLAB_TIMEOUT_SECONDS: 30 gives the library defaults (30 s a request, 100 s a whole call).
  options.requestDeadline = std::chrono::seconds(config.gitlabTimeoutSeconds);
  options.operationDeadline = std::chrono::milliseconds(config.gitlabTimeoutSeconds * 10000 / 3);
  options.clock = &clock;
  // Projects and groups whose access tokens are watched (their [[token]] entries, [watch] lists).
  for (const auto& r : config.policy.watchedResources()) options.resources.push_back({r.kind, r.path});
  return options;
}

}  // namespace patbot
