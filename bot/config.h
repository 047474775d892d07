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
#include "handlers/policy.h"
#include "http/proxy.h"

namespace patbot {

struct Config {
  bool socketMode() const { return !slackAppToken.empty(); }

  std::string listenHost = "127.0.0.1";
  uint16_t listenPort = 8080;
  Secret slackSigningSecret;
  Secret slackBotToken;
  Secret slackAppToken;             // xapp-…: set = Socket Mode (no Slack endpoints, no signing secret)
  int socketConnections = 2;        // Socket Mode connections kept open (1–10)
  http::ProxySettings slackProxy;   // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, for Slack's Web API and WebSocket
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

  Policy policy;                    // from the PATBOT_CONFIG file; the defaults when there is none

  // Not errors, to log once logging is set up: e.g. a <VAR>_FILE others may read.
  std::vector<std::string> warnings;
};

// Which variables a command needs.
enum class ConfigNeeds {
  kServe,     // SLACK_SIGNING_SECRET (unless SLACK_APP_TOKEN), GITLAB_URL, GITLAB_TOKEN
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
