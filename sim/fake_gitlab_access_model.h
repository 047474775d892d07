// The fake GitLab's membership and branch/environment protection data: who is a member of which
// project or group at what access level, and the protected branch / environment rules that may
// name a user. Plain data plus its seed-format JSON (fake_gitlab.h, sim/README.md); the owner
// (FakeGitLab::Impl) guards it with its mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace patbot::fakes {

// A project or a group, as a membership source or as the owner of an access token.
struct FakeResourceRef {
  std::string type;   // "project" or "group"
  int64_t id = 0;
  bool operator==(const FakeResourceRef&) const = default;
};

// One direct membership. Project `maintainers` and group `owners` of the seed are memberships
// too (at 40 and 50) without an entry here; the higher level wins where both exist.
struct FakeMember {
  int64_t userId = 0;
  FakeResourceRef source;
  int accessLevel = 0;   // 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
  TimePoint createdAt{};
};

// One entry of a protected branch's push/merge/unprotect levels, of a protected environment's
// deploy levels or of its approval rules: a role (`accessLevel` alone), a user or a group.
struct FakeAccessRule {
  int64_t id = 0;
  int accessLevel = 40;               // a user or group rule keeps GitLab's column default, 40
  std::optional<int64_t> userId;
  std::optional<int64_t> groupId;
  int groupInheritanceType = 0;       // environments only: 0 direct members, 1 inherited too
  int requiredApprovals = 1;          // approval rules only
};

struct FakeProtectedBranch {
  int64_t id = 0;
  std::string name;
  std::vector<FakeAccessRule> push;
  std::vector<FakeAccessRule> merge;
  std::vector<FakeAccessRule> unprotect;
  bool allowForcePush = false;
  bool codeOwnerApprovalRequired = false;
};

struct FakeProtectedEnvironment {
  std::string name;
  std::vector<FakeAccessRule> deploy;
  std::vector<FakeAccessRule> approvals;
  int requiredApprovalCount = 0;
};

// {"resource_type": "project"|"group", "resource_id": N} (a resource token, a bot user's "bot_of");
// nullopt without a resource_type; throws std::invalid_argument on another type.
std::optional<FakeResourceRef> resourceRefFromJson(const nlohmann::json& j);
nlohmann::json resourceRefToJson(const FakeResourceRef& r);

// Seed format. Throw std::invalid_argument (naming the entry) on a malformed one.
//   member:      {"user_id", "source_type": "project"|"group", "source_id", "access_level", "created_at"}
//   branch:      {"id", "name", "push_access_levels": [rule], "merge_access_levels": [rule],
//                 "unprotect_access_levels": [rule], "allow_force_push", "code_owner_approval_required"}
//   environment: {"name", "deploy_access_levels": [rule], "approval_rules": [rule], "required_approval_count"}
//   rule:        {"id", "access_level", "user_id", "group_id", "group_inheritance_type", "required_approvals"}
FakeMember memberFromJson(const nlohmann::json& j, TimePoint now);
nlohmann::json memberToJson(const FakeMember& m);
FakeProtectedBranch protectedBranchFromJson(const nlohmann::json& j);
nlohmann::json protectedBranchToJson(const FakeProtectedBranch& b);
FakeProtectedEnvironment protectedEnvironmentFromJson(const nlohmann::json& j);
nlohmann::json protectedEnvironmentToJson(const FakeProtectedEnvironment& e);

// "Guest", "Planner", "Reporter", "Developer", "Maintainer", "Owner"; "" for anything else.
std::string accessLevelName(int level);
// Whether `level` is one a membership or a project/group access token may have (10..50).
bool validMemberAccessLevel(int level);

}  // namespace patbot::fakes
