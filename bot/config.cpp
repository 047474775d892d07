#include "bot/config.h"

#include <cstdlib>

#include "bot/config_loading.h"

namespace patbot {

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> loadConfig(ConfigNeeds needs, const EnvLookup& env) {
  Config c;
  config_loading::Problems problems;
  config_loading::loadEnvironment(needs, env, c, problems);
  if (!c.configPath.empty()) config_loading::readPolicyFile(c.configPath, c.policy, problems);
  if (!problems.empty()) return problems.toError();
  c.warnings = problems.takeWarnings();
  return c;
}

}  // namespace patbot
