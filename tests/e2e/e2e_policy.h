// The policy file (PATBOT_CONFIG) of an end-to-end test, built from its parts instead of written
// out by hand in each test, and the stack options that carry it. The defaults are the world most
// tests rotate in: one operator, and the demo seed's inventory token (id 101) delivered to a
// project and a group variable and verified by the project's pipeline.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {

inline constexpr const char* kOperator = "U0ALICE001";         // a user the fake Slack knows
inline constexpr const char* kNotifyChannel = "C0OPS00001";    // a channel the fake Slack knows
inline constexpr const char* kInventoryTokenName = "GitLab Security Service - Architecture - Inventory";
inline constexpr const char* kInventoryProject = "sec/inventory-builder";
inline constexpr const char* kInventoryProjectKey = "GITLAB_API_TOKEN";
inline constexpr const char* kInventoryGroup = "sec";
inline constexpr const char* kInventoryGroupKey = "INVENTORY_TOKEN";

// A CI/CD variable a token is delivered to: `owner` is a project or a group path.
struct PolicyVariable {
  std::string owner;
  std::string key;
};

// One [[token]] entry.
struct PolicyToken {
  // "personal" (account = a service account's username), "project" or "group" (account = the
  // project's / group's full path, written as `project = ` / `group = `).
  std::string kind = "personal";
  std::string account = "inventory-bot";
  std::optional<std::string> strategy;          // "rotate" / "replace"; unset: not written
  std::string name = kInventoryTokenName;
  std::vector<PolicyVariable> ciVariables{{kInventoryProject, kInventoryProjectKey}};
  std::vector<PolicyVariable> groupVariables{{kInventoryGroup, kInventoryGroupKey}};
  std::optional<std::string> verifyPipelineProject = std::string(kInventoryProject);   // ref "main"
  std::optional<std::pair<std::string, int>> trackingIssue;                              // project, iid
};

// A token delivered to one project variable only: no group variable, no verify pipeline.
PolicyToken tokenInProject(const std::string& account, const std::string& name, const std::string& project,
                           const std::string& key);
// The same for a project or group access token: `kind` "project" / "group", `resource` its path.
PolicyToken resourceTokenInProject(const std::string& kind, const std::string& resource, const std::string& name,
                                   const std::string& project, const std::string& key);

struct Policy {
  std::vector<std::string> operators{kOperator};
  std::optional<int> revokeGraceHours;          // [rotation] revoke_grace_hours
  std::optional<std::string> trackingProject;   // [watch] tracking_project
  std::optional<int> autoRotateDaysBefore;      // [watch] auto_rotate_days_before
  std::vector<std::string> watchProjects;       // [watch] projects
  std::vector<std::string> watchGroups;         // [watch] groups
  std::vector<PolicyToken> tokens{PolicyToken{}};
};

// The TOML text of `policy`; a table is written only when something in it is set.
std::string policyToml(const Policy& policy = {});

// A stack on fakes::demoSeed with `policy`; watcher notices and announcements go to
// `notifyChannel` (PATBOT_NOTIFY_CHANNEL) unless it is empty.
StackOptions demoStackOptions(const Policy& policy = {}, const std::string& notifyChannel = kNotifyChannel);

}  // namespace patbot::e2e
