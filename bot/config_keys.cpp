#include "bot/config_keys.h"

namespace patbot {

const std::vector<std::string>& secretVariables() {
  static const std::vector<std::string> kSecrets{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
                                                 "GITLAB_TOKEN"};
  return kSecrets;
}

const std::vector<std::string>& environmentVariables() {
  static const std::vector<std::string> kVariables{
      "PATBOT_LISTEN",         "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET_FILE", "SLACK_BOT_TOKEN",
      "SLACK_BOT_TOKEN_FILE",  "SLACK_API_URL",        "PATBOT_NOTIFY_CHANNEL",     "GITLAB_URL",
      "GITLAB_TOKEN",          "GITLAB_TOKEN_FILE",    "GITLAB_CONCURRENCY",        "GITLAB_CA_FILE",
      "GITLAB_GROUP",          "PATBOT_DB",            "PATBOT_CONFIG",             "PATBOT_LOG_FORMAT",
      "PATBOT_LOG_LEVEL",      "GITLAB_TIMEOUT_SECONDS", "SLACK_APP_TOKEN",           "SLACK_APP_TOKEN_FILE",
      "PATBOT_SOCKET_CONNECTIONS", "HTTPS_PROXY",      "HTTP_PROXY",                "NO_PROXY",
      "https_proxy",           "http_proxy",           "no_proxy",
  };
  return kVariables;
}

const std::vector<std::string>& policyKeys() {
  static const std::vector<std::string> kKeys{
      "access.readers",
      "access.operators",
      "access.channels",
      "rotation.expires_in_days",
      "rotation.revoke_grace_hours",
      "rotation.verify_timeout_minutes",
      "watch.interval_minutes",
      "watch.warn_days",
      "watch.tracking_project",
      "watch.auto_rotate_days_before",
      "watch.projects",
      "watch.groups",
      "token.kind",
      "token.account",
      "token.project",
      "token.group",
      "token.name",
      "token.strategy",
      "token.ci_variables",
      "token.ci_variables.project",
      "token.ci_variables.key",
      "token.ci_variables.environment_scope",
      "token.group_variables",
      "token.group_variables.group",
      "token.group_variables.key",
      "token.group_variables.environment_scope",
      "token.verify_pipeline",
      "token.verify_pipeline.project",
      "token.verify_pipeline.ref",
      "token.tracking_issue",
      "token.tracking_issue.project",
      "token.tracking_issue.iid",
  };
  return kKeys;
}

std::vector<std::string_view> policyKeysIn(std::string_view table) {
  std::vector<std::string_view> out;
  for (const auto& key : policyKeys()) {
    std::string_view k = key;
    if (k.size() <= table.size() + 1 || k.substr(0, table.size()) != table || k[table.size()] != '.') continue;
    std::string_view rest = k.substr(table.size() + 1);
    if (rest.find('.') == std::string_view::npos) out.push_back(rest);
  }
  return out;
}

}  // namespace patbot
