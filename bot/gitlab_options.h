// The GitLab client settings every patbot command derives from its configuration.
#pragma once

#include "bot/config.h"
#include "gitlab/rest_gitlab_api.h"

namespace patbot {

inline gitlab::RestGitLabOptions gitlabOptions(const Config& config) {
  gitlab::RestGitLabOptions options;
  options.baseUrl = config.gitlabUrl;
  options.token = config.gitlabToken;
  options.mode = config.gitlabGroup.empty() ? gitlab::Mode::kInstance : gitlab::Mode::kGroup;
  options.group = config.gitlabGroup;
  options.concurrency = config.gitlabConcurrency;
  return options;
}

}  // namespace patbot
