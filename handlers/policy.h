// The policy of SPEC §2 (the TOML file named by PATBOT_CONFIG) as the handlers and the command
// service read it: who may run what, how rotations and the watcher behave, and where each token
// is consumed. Plain data plus lookups; bot/config loads it, nothing here reads a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/token_kind.h"

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

// How a token is replaced (SPEC §5):
//   kReplace: create a new token, deliver it, verify it, then revoke the old one — no downtime;
//             a project/group token gets a new bot user (GitLab deletes the old one on revoke).
//   kRotate:  GitLab's rotate endpoint — same bot user with its memberships, but the old value
//             stops working at once; patbot delivers right after.
enum class RotationStrategy { kReplace, kRotate };
// "replace", "rotate"
const char* strategyName(RotationStrategy strategy);
std::optional<RotationStrategy> parseStrategy(std::string_view text);

// One [[token]] entry: where a token is consumed.
struct TokenPolicy {
  TokenKind kind = TokenKind::kPersonal;
  std::string account;            // personal: the service account's username; else the full path
  std::string name;
  std::optional<RotationStrategy> strategy;   // unset: strategyFor()'s default
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
  // Projects and groups whose access tokens are watched although no [[token]] names them
  // (warned about, never rotated): full paths or ids.
  std::vector<std::string> projects;
  std::vector<std::string> groups;
};

// A project or group patbot lists tokens of.
struct WatchedResource {
  TokenKind kind = TokenKind::kProject;
  std::string path;   // as the policy file gives it: full path or id
};

struct Policy {
  AccessPolicy access;
  RotationPolicy rotation;
  WatchPolicy watch;
  std::vector<TokenPolicy> tokens;   // at most one entry per (kind, account, name)

  // The [[token]] entry of the token named `name` held by `owner` (a service account's username,
  // or a project's / group's full path, of that kind; compared exactly); nullptr when there is
  // none. Points into `tokens`.
  const TokenPolicy* tokenFor(TokenKind kind, std::string_view owner, std::string_view name) const;
  const TokenPolicy* tokenFor(std::string_view account, std::string_view name) const {
    return tokenFor(TokenKind::kPersonal, account, name);
  }
  // The entry's strategy, else replace for personal tokens and rotate for project/group tokens.
  RotationStrategy strategyFor(TokenKind kind, std::string_view owner, std::string_view name) const;
  // Every project and group named by a [[token]] entry or [watch] projects/groups, each once, in
  // that order.
  std::vector<WatchedResource> watchedResources() const;

  // The largest warn_days: a token expiring within it is "expiring".
  int expiringWindowDays() const { return watch.warnDays.empty() ? 30 : watch.warnDays.front(); }
};

}  // namespace patbot
