// Internal to loadConfig (bot/config.cpp): what its two halves share, the environment loader
// (bot/config_environment.cpp) and the policy-file parser (bot/config_policy_file.cpp).
#pragma once

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bot/config.h"

namespace patbot::config_loading {

// Every problem found, in the order found; reported together.
class Problems {
 public:
  Problems() = default;
  Problems(const Problems&) = delete;
  Problems& operator=(const Problems&) = delete;
  ~Problems() {
    for (auto& s : secrets_) Secret::wipe(s);
  }

  void add(std::string problem) { list_.push_back(std::move(problem)); }
  bool empty() const { return list_.empty(); }
  // Not a problem: logged once logging is set up (Config::warnings).
  void warn(std::string warning) { warnings_.push_back(std::move(warning)); }
  std::vector<std::string> takeWarnings() { return std::move(warnings_); }

  // Never include a secret value: values are echoed only through echo().
  std::string echo(std::string_view value) const {
    for (const auto& s : secrets_) {
      if (!s.empty() && value.find(s) != std::string_view::npos) return "[redacted]";
    }
    if (value.rfind("glpat-", 0) == 0 || value.rfind("xox", 0) == 0) return "[redacted]";
    if (value.size() > 40) return fmt::format("\"{}…\"", value.substr(0, 40));
    return fmt::format("\"{}\"", value);
  }
  void rememberSecret(const std::string& value) { secrets_.push_back(value); }

  // Known secret values are scrubbed once more, whatever a message quotes (a TOML parser
  // message may quote the file's text).
  Error toError() const {
    std::string msg = "configuration: ";
    for (size_t i = 0; i < list_.size(); ++i) {
      if (i) msg += "; ";
      msg += list_[i];
    }
    for (const auto& secret : secrets_) {
      if (secret.size() < 8) continue;  // too short to scrub without mangling the text
      for (size_t at = msg.find(secret); at != std::string::npos; at = msg.find(secret, at)) {
        msg.replace(at, secret.size(), "[redacted]");
        at += 10;
      }
    }
    return Error::make(ErrorKind::kConfig, msg, msg);
  }

 private:
  std::vector<std::string> list_;
  std::vector<std::string> secrets_;
  std::vector<std::string> warnings_;
};

// The whole file at `path`; nullopt with `why` (the system's reason) when it cannot be read.
inline std::optional<std::string> readWholeFile(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return out.str();
}

// Reads the variables of SPEC §2 from `env` into `config`: those `needs` requires, and any other
// that is set. Secrets are read first and remembered in `problems`, so that later messages redact
// them.
void loadEnvironment(ConfigNeeds needs, const EnvLookup& env, Config& config, Problems& problems);

// Reads the TOML policy file at `path` into `policy` (keys the file leaves out keep their
// defaults). Every problem of the file goes to `problems`, in line order, each starting with
// "<path>:<line>: " (or "<path>: " when no line applies, "PATBOT_CONFIG: " when it cannot be read).
void readPolicyFile(const std::string& path, Policy& policy, Problems& problems);

}  // namespace patbot::config_loading
