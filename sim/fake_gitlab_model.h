// The fake GitLab's in-memory data model and its conversion from and to the seed format
// described in fake_gitlab.h. Plain data; the owner (FakeGitLab::Impl) guards it with its mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/time_format.h"
#include "sim/fake_gitlab_access_model.h"

namespace patbot::fakes {

struct FakeUser {
  int64_t id = 0;
  std::string username;
  std::string name;
  bool admin = false;
  bool serviceAccount = false;
  std::optional<int64_t> groupId;   // group that provisioned the service account
  std::optional<FakeResourceRef> botOf;   // a project_bot: the project or group whose token it holds
};

struct FakeToken {
  int64_t id = 0;
  int64_t userId = 0;
  std::string name;
  nlohmann::json description;       // string or null
  std::vector<std::string> scopes;
  std::optional<Date> expiresAt;
  bool revoked = false;
  TimePoint createdAt{};
  std::optional<TimePoint> lastUsedAt;
  std::string value;
  std::optional<int64_t> previousId;  // the token this one was rotated from
  // A project or group access token: its resource, and the access level it was issued with
  // (shown while its bot user's membership is gone, e.g. after a revoke deleted the bot user).
  std::optional<FakeResourceRef> resource;
  int accessLevel = 0;
};

struct FakeVariable {
  std::string key;
  std::string value;
  bool masked = false;
  bool isProtected = false;
  bool raw = false;
  bool hidden = false;
  std::string environmentScope = "*";
  std::string variableType = "env_var";
  nlohmann::json description;       // string or null
};

struct FakePipeline {
  int64_t id = 0;
  int64_t iid = 0;
  std::string ref;
  std::string status;
  std::string sha;
  std::string source = "push";
  TimePoint createdAt{};
  TimePoint updatedAt{};
  std::optional<TimePoint> startedAt;
  std::optional<TimePoint> finishedAt;
  bool simulate = false;            // advances on each GET until final
};

struct FakeNote {
  int64_t id = 0;
  std::string body;
  int64_t authorId = 0;
  TimePoint createdAt{};
};

struct FakeIssue {
  int64_t id = 0;
  int64_t iid = 0;
  std::string title;
  std::string description;
  std::string state = "opened";
  std::vector<std::string> labels;
  TimePoint createdAt{};
  TimePoint updatedAt{};
  std::optional<TimePoint> closedAt;
  std::optional<int64_t> closedBy;
  std::vector<FakeNote> notes;
};

struct FakeProject {
  int64_t id = 0;
  std::string path;                 // full path, "sec/inventory-builder"
  std::set<int64_t> maintainers;
  std::vector<FakeVariable> variables;
  std::map<int64_t, FakePipeline> pipelines;
  std::string verifyVariable;
  std::map<int64_t, FakeIssue> issues;   // by iid
  std::vector<FakeProtectedBranch> protectedBranches;
  std::vector<FakeProtectedEnvironment> protectedEnvironments;
};

struct FakeGroup {
  int64_t id = 0;
  std::string path;
  std::set<int64_t> owners;
  std::vector<FakeVariable> variables;
};

struct FakeWorld {
  int maxLifetimeDays = 365;
  // How an expires_at beyond today + maxLifetimeDays is refused, as GitLab versions word it (seed
  // key "expiry_error_style"): "before_date" "Expiration date must be before D" (16.0 on),
  // "invalid" "Expiration date is invalid" (EE lifetime policy up to 14.x), "days"
  // "Expiration date must expire in N days". The date D itself is always accepted.
  std::string expiryErrorStyle = "before_date";
  // Admin Mode (seed key "admin_mode", reference/gitlab-api.md §1.2): when on, an administrator's
  // token acts as an admin only if it has the admin_mode scope; otherwise as a non-admin's.
  bool adminMode = false;
  // GitLab's retain_resource_access_token_user_after_revoke flag (seed key
  // "retain_bot_user_after_revoke"): when on, revoking a project or group access token keeps its
  // bot user and the bot's membership; when off (the default) the bot user is deleted.
  bool retainBotUserAfterRevoke = false;
  std::map<int64_t, FakeUser> users;        // humans and service accounts
  std::map<int64_t, FakeToken> tokens;
  std::map<std::string, int64_t> tokenByValue;
  std::map<int64_t, FakeProject> projects;
  std::map<int64_t, FakeGroup> groups;
  std::vector<FakeMember> members;          // besides projects' maintainers and groups' owners
  int64_t nextUserId = 1;
  int64_t nextTokenId = 1;
  int64_t nextPipelineId = 1;
  int64_t nextIssueId = 1;
  int64_t nextNoteId = 1;
  int64_t nextProtectedBranchId = 1;
  int64_t nextAccessRuleId = 1;
};

// Throws std::invalid_argument (naming the offending entry) on a malformed seed.
FakeWorld worldFromSeed(const nlohmann::json& seed, TimePoint now);
// The seed's "members", checked with the bot users' and resource tokens' references, and the ids
// of protected branches and rules seeded without one (fake_gitlab_access_model.cpp). Part of
// worldFromSeed, once every user, group, project and token is read; throws as it does.
void readAccessSeed(FakeWorld& world, const nlohmann::json& seed, TimePoint now);
nlohmann::json worldToSeed(const FakeWorld& world);

// What a token shows both in GitLab's answers (§2.1) and in the seed: id, user_id, name,
// description, scopes, expires_at, revoked, created_at, last_used_at. Never the value.
nlohmann::json tokenFieldsJson(const FakeToken& t);

// A variable in the seed format, which has the fields of GitLab's variable entity (§5.1), the
// value always included.
nlohmann::json variableToJson(const FakeVariable& v);
FakeVariable variableFromJson(const nlohmann::json& j);

}  // namespace patbot::fakes
