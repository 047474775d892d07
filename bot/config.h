// Configuration of SPEC §2: secrets and endpoints from the environment (each secret also from
// the file named by <VAR>_FILE), policy from the optional TOML file named by PATBOT_CONFIG.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secret.h"

namespace patbot {

struct CiVariableRef {
  std::string project;            // id or full path
  std::string key;
  std::string environmentScope;   // "" = not given (GitLab's "*" applies)
};

struct GroupVariableRef {
  std::string group;
  std::string key;
  std::string environmentScope;
};

struct PipelineRef {
  std::string project;
  std::string ref;
};

struct IssueRef {
  std::string project;
  int64_t iid = 0;
};

// One [[token]] entry: where a token is consumed.
struct TokenPolicy {
  std::string account;
  std::string name;
  std::vector<CiVariableRef> ciVariables;
  std::vector<GroupVariableRef> groupVariables;
  std::optional<PipelineRef> verifyPipeline;
  std::optional<IssueRef> trackingIssue;
};

struct AccessPolicy {
  std::vector<std::string> readers{"*"};
  std::vector<std::string> operators;
  std::vector<std::string> channels;
};

struct RotationPolicy {
  int expiresInDays = 365;
  int revokeGraceHours = 0;
  int verifyTimeoutMinutes = 30;
};

struct WatchPolicy {
  int intervalMinutes = 360;
  std::vector<int> warnDays{30, 14, 7, 3, 1};   // strictly decreasing, all > 0
  std::string trackingProject;
  int autoRotateDaysBefore = 0;
};

struct Config {
  std::string listenHost = "127.0.0.1";
  uint16_t listenPort = 8080;
  Secret slackSigningSecret;
  Secret slackBotToken;
  std::string slackApiUrl = "https://slack.com/api";
  std::string notifyChannel;
  std::string gitlabUrl;            // without a trailing slash and without /api/v4
  Secret gitlabToken;
  int gitlabConcurrency = 8;
  int gitlabTimeoutSeconds = 30;    // per-request deadline; a whole call (retries included) gets 10/3 of it
  std::string gitlabCaFile;
  std::string gitlabGroup;          // "" = instance mode
  std::string dbPath = "./patbot.db";
  std::string configPath;           // "" = no policy file
  std::string logFormat = "text";   // "text" | "json"
  std::string logLevel = "info";    // trace|debug|info|warn|error|critical|off

  AccessPolicy access;
  RotationPolicy rotation;
  WatchPolicy watch;
  std::vector<TokenPolicy> tokens;

  // Not errors, to log once logging is set up: e.g. a <VAR>_FILE others may read.
  std::vector<std::string> warnings;

  // The largest warn_days: a token expiring within it is "expiring".
  int expiringWindowDays() const { return warnDays().empty() ? 30 : warnDays().front(); }
  const std::vector<int>& warnDays() const { return watch.warnDays; }
};

// Which variables a command needs.
enum class ConfigNeeds {
  kServe,     // SLACK_SIGNING_SECRET, GITLAB_URL, GITLAB_TOKEN
  kGitLab,    // GITLAB_URL, GITLAB_TOKEN (scan, check-config, rotate)
  kLocal,     // nothing required (audit, audit verify)
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup processEnv();

// Rules beyond SPEC §2: an empty variable counts as unset; PATBOT_LISTEN takes an IPv4 address
// or host name (IPv6 literals such as "[::1]:8080" are rejected); GITLAB_URL and SLACK_API_URL
// lose trailing slashes (GITLAB_URL also a trailing /api/v4) and must not carry credentials;
// PATBOT_LOG_FORMAT/LEVEL are case-insensitive and stored lower-case; a secret read from
// <VAR>_FILE loses its trailing whitespace; a <VAR>_FILE (its target, when a symbolic link) that
// group or others may write is refused, one that users other than patbot may read (others, or a
// group patbot is not in) is loaded with an entry in Config::warnings; GITLAB_CA_FILE must be
// readable. Policy problems name
// "<PATBOT_CONFIG path>:<line>"; unknown keys and tables are errors. Secret values never appear
// in a message, even when pasted into the wrong variable.
//
// Loads and validates everything. On failure the Error (kind kConfig) has one message naming
// every missing or malformed variable, file or key at once, e.g.
// "configuration: SLACK_SIGNING_SECRET is not set; GITLAB_CONCURRENCY must be an integer from 1 to 64 (got \"x\")".
Result<Config> loadConfig(ConfigNeeds needs, const EnvLookup& env);

}  // namespace patbot
