// The GitLab client settings every patbot command derives from its configuration.
#pragma once

#include "bot/config.h"
#include "gitlab/rest_gitlab_api.h"

namespace patbot {

inline gitlab::RestGitLabOptions gitlabOptions(const Config& config) {
  gitlab::RestGitLabOptions options;
  options.baseUrl = config.gitlabUrl;
  options.token = config.gitlabToken.clone();
  options.mode = config.gitlabGroup.empty() ? gitlab::Mode::kInstance : gitlab::Mode::kGroup;
  options.group = config.gitlabGroup;
  options.concurrency = config.gitlabConcurrency;
  // GITLAB_TIMEOUT_SECONDS: 30 gives the library defaults (30 s a request, 100 s a whole call).
  options.requestDeadline = std::chrono::seconds(config.gitlabTimeoutSeconds);
  options.operationDeadline = std::chrono::milliseconds(config.gitlabTimeoutSeconds * 10000 / 3);
  return options;
}

}  // namespace patbot
