// The names configuration is read from, in one place, so that loadConfig, the README and the
// documentation test (tests/docs) cannot drift apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace patbot {

// Every environment variable loadConfig() reads, including the <VAR>_FILE form of the three
// secrets (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, GITLAB_TOKEN), in SPEC §2 order.
const std::vector<std::string>& environmentVariables();

// The secrets that may also be given as <VAR>_FILE.
const std::vector<std::string>& secretVariables();

// Every key of the TOML policy file as "table.key" (nested inline tables as "table.key.sub"),
// e.g. "watch.warn_days", "token.ci_variables.environment_scope". "token" is the [[token]] array.
const std::vector<std::string>& policyKeys();

// The keys directly inside `table` (a "table" or "table.key" prefix of policyKeys()), e.g.
// policyKeysIn("token.verify_pipeline") == {"project", "ref"}. Empty for an unknown prefix.
std::vector<std::string_view> policyKeysIn(std::string_view table);

}  // namespace patbot
