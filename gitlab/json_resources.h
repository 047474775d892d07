// GitLab's answers about projects, groups, users, memberships and protected refs, as RestGitLabApi
// reads them for getResource, callerAccess and botUserTies. Same rules as gitlab/json_mapping.h:
// unknown fields are ignored, a missing or mistyped field gives Error kProtocol kUnreadableAnswer
// naming it, nothing throws.
// Shapes (GitLab source, lib/api/entities/*.rb, and the API docs, checked for this file):
// - GET /projects/:id: id, path_with_namespace, name; GET /groups/:id: id, full_path, name.
// - GET /user: id; is_admin only in an administrator's answer (UserWithAdmin), so absent = false.
// - GET /{projects,groups}/:id/members/all/:user_id: a member object with access_level.
// - GET /users/:id/memberships (Entities::Membership): source_id, source_name (the project's or
//   group's name, not its path), source_type ("Project" or "Namespace" = group), access_level.
// - GET /projects/:id/protected_branches: name, push_access_levels, merge_access_levels,
//   unprotect_access_levels (EE); each rule has access_level and, EE, user_id / group_id (null
//   when the rule is a role).
// - GET /projects/:id/protected_environments (EE): name, deploy_access_levels, approval_rules;
//   rules have user_id / group_id (null when the rule is a role).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

// A project (kProject: path_with_namespace) or group (kGroup: full_path) as a TokenOwner.
Result<TokenOwner> parseResourceOwner(const std::string& text, TokenKind kind);

struct CurrentUser {
  int64_t id = 0;
  bool admin = false;   // is_admin; false when GitLab leaves it out (not an administrator)
};
Result<CurrentUser> parseCurrentUser(const std::string& text);

// A member object's access_level.
Result<int> parseMemberAccessLevel(const std::string& text);

struct Membership {
  int64_t sourceId = 0;
  std::string sourceName;
  TokenKind sourceKind = TokenKind::kProject;   // "Project" -> kProject, "Namespace" -> kGroup
  int accessLevel = 0;
};
// One page of GET /users/:id/memberships. A source_type other than Project or Namespace is an Error.
Result<std::vector<Membership>> parseMemberships(const std::string& text);

// A rule of a protected branch or environment that names one user (rules naming a role or a
// group are left out).
struct UserRule {
  std::string action;   // "push", "merge", "unprotect" (branches); "deploy", "approve" (environments)
  int64_t userId = 0;
};
struct ProtectedRef {
  std::string name;     // the branch (or wildcard) or environment name
  std::vector<UserRule> userRules;
};
// One page of GET /projects/:id/protected_branches.
Result<std::vector<ProtectedRef>> parseProtectedBranches(const std::string& text);
// One page of GET /projects/:id/protected_environments.
Result<std::vector<ProtectedRef>> parseProtectedEnvironments(const std::string& text);

}  // namespace patbot::gitlab
