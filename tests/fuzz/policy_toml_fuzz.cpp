// The TOML policy file through bot/config.cpp loadConfig(ConfigNeeds::kLocal, env), the only
// entry point: the input is written to a per-process temporary file that PATBOT_CONFIG names.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bot/config.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

namespace {

const std::string& policyPath() {
  static const std::string kPath = [] {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("patbot_policy_fuzz_" + std::to_string(::getpid()) + ".toml")).string();
    static std::string forget;
    forget = path;
    std::atexit([] { std::remove(forget.c_str()); });
    return path;
  }();
  return kPath;
}

void writeFile(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  fuzz::check(f != nullptr, "the policy file can be written");
  if (size > 0) fuzz::check(std::fwrite(data, 1, size, f) == size, "the policy file is written whole");
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = policyPath();
  writeFile(path, data, size);
  const EnvLookup env = [&path](const std::string& name) -> std::optional<std::string> {
    if (name == "PATBOT_CONFIG") return path;
    return std::nullopt;
  };
  auto config = loadConfig(ConfigNeeds::kLocal, env);
  if (!config) {
    fuzz::check(config.error().kind == ErrorKind::kConfig && !config.error().message.empty(),
                "a refused policy is kConfig with a message");
    return 0;
  }
  const auto& warn = config->policy.watch.warnDays;
  for (size_t i = 0; i < warn.size(); ++i) {
    fuzz::check(warn[i] > 0, "warn_days are positive");
    if (i > 0) fuzz::check(warn[i] < warn[i - 1], "warn_days are strictly decreasing");
  }
  for (const auto& token : config->policy.tokens) {
    fuzz::check(!token.account.empty() && !token.name.empty(), "a [[token]] names its account and token");
  }
  return 0;
}
