// The policy of SPEC §2 (the TOML file named by PATBOT_CONFIG) as the handlers and the command
// service read it: who may run what, how rotations and the watcher behave, and where each token
// is consumed. Plain data plus lookups; bot/config loads it, nothing here reads a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Slack user and channel ids; "*" in readers or operators stands for everyone.
struct AccessPolicy {
  std::vector<std::string> readers{"*"};
  std::vector<std::string> operators;
  std::vector<std::string> channels;   // empty = any channel

  // Listed in operators, or operators holds "*".
  bool isOperator(std::string_view userId) const;
  // An operator, or listed in readers, or readers holds "*".
  bool isReader(std::string_view userId) const;
  // channels is empty or lists `channelId`.
  bool allowsChannel(std::string_view channelId) const;
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

struct Policy {
  AccessPolicy access;
  RotationPolicy rotation;
  WatchPolicy watch;
  std::vector<TokenPolicy> tokens;   // at most one entry per (account, name)

  // The [[token]] entry of the token named `name` of the GitLab account whose username is
  // `account` (both compared exactly); nullptr when there is none. Points into `tokens`.
  const TokenPolicy* tokenFor(std::string_view account, std::string_view name) const;

  // The largest warn_days: a token expiring within it is "expiring".
  int expiringWindowDays() const { return watch.warnDays.empty() ? 30 : watch.warnDays.front(); }
};

}  // namespace patbot
