#include "sim/fake_gitlab_access_model.h"

#include <algorithm>
#include <stdexcept>

#include "core/time_format.h"
#include "sim/fake_gitlab_model.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("fake gitlab seed: " + what); }

template <typename T>
T get(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    bad(std::string("bad type for \"") + key + "\" in " + j.dump().substr(0, 120));
  }
}

std::optional<int64_t> optId(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return get<int64_t>(j, key, 0);
}

json idJson(const std::optional<int64_t>& id) { return id ? json(*id) : json(nullptr); }

FakeAccessRule ruleFromJson(const json& j) {
  if (!j.is_object()) bad("an access rule must be an object");
  FakeAccessRule r;
  r.id = get<int64_t>(j, "id", 0);
  r.accessLevel = get<int>(j, "access_level", 40);
  r.userId = optId(j, "user_id");
  r.groupId = optId(j, "group_id");
  r.groupInheritanceType = get<int>(j, "group_inheritance_type", 0);
  r.requiredApprovals = get<int>(j, "required_approvals", 1);
  return r;
}

json ruleToJson(const FakeAccessRule& r) {
  return {{"id", r.id},
          {"access_level", r.accessLevel},
          {"user_id", idJson(r.userId)},
          {"group_id", idJson(r.groupId)},
          {"group_inheritance_type", r.groupInheritanceType},
          {"required_approvals", r.requiredApprovals}};
}

std::vector<FakeAccessRule> rulesFromJson(const json& j, const char* key) {
  std::vector<FakeAccessRule> out;
  for (const auto& r : get<json>(j, key, json::array())) out.push_back(ruleFromJson(r));
  return out;
}

json rulesToJson(const std::vector<FakeAccessRule>& rules) {
  json out = json::array();
  for (const auto& r : rules) out.push_back(ruleToJson(r));
  return out;
}

bool resourceExists(const FakeWorld& w, const FakeResourceRef& r) {
  return r.type == "project" ? w.projects.count(r.id) != 0 : w.groups.count(r.id) != 0;
}

}  // namespace

std::optional<FakeResourceRef> resourceRefFromJson(const json& j) {
  auto type = get<std::string>(j, "resource_type", "");
  if (type.empty()) return std::nullopt;
  if (type != "project" && type != "group") bad("resource_type must be project or group in " + j.dump().substr(0, 120));
  return FakeResourceRef{type, get<int64_t>(j, "resource_id", 0)};
}

json resourceRefToJson(const FakeResourceRef& r) { return {{"resource_type", r.type}, {"resource_id", r.id}}; }

std::string accessLevelName(int level) {
  switch (level) {
    case 10: return "Guest";
    case 15: return "Planner";
    case 20: return "Reporter";
    case 30: return "Developer";
    case 40: return "Maintainer";
    case 50: return "Owner";
    default: return "";
  }
}

bool validMemberAccessLevel(int level) { return !accessLevelName(level).empty(); }

FakeMember memberFromJson(const json& j, TimePoint now) {
  if (!j.is_object()) bad("a member must be an object");
  FakeMember m;
  m.userId = get<int64_t>(j, "user_id", 0);
  m.source.type = get<std::string>(j, "source_type", "");
  m.source.id = get<int64_t>(j, "source_id", 0);
  m.accessLevel = get<int>(j, "access_level", 0);
  if (m.source.type != "project" && m.source.type != "group") bad("member source_type must be project or group");
  if (!validMemberAccessLevel(m.accessLevel)) bad("member access_level must be 10, 15, 20, 30, 40 or 50");
  auto created = get<std::string>(j, "created_at", "");
  m.createdAt = created.empty() ? now : parseTimestamp(created).value_or(now);
  return m;
}

json memberToJson(const FakeMember& m) {
  return {{"user_id", m.userId},
          {"source_type", m.source.type},
          {"source_id", m.source.id},
          {"access_level", m.accessLevel},
          {"created_at", formatTimestamp(m.createdAt)}};
}

FakeProtectedBranch protectedBranchFromJson(const json& j) {
  if (!j.is_object()) bad("a protected branch must be an object");
  FakeProtectedBranch b;
  b.id = get<int64_t>(j, "id", 0);
  b.name = get<std::string>(j, "name", "");
  if (b.name.empty()) bad("protected branch without a name");
  b.push = rulesFromJson(j, "push_access_levels");
  b.merge = rulesFromJson(j, "merge_access_levels");
  b.unprotect = rulesFromJson(j, "unprotect_access_levels");
  b.allowForcePush = get<bool>(j, "allow_force_push", false);
  b.codeOwnerApprovalRequired = get<bool>(j, "code_owner_approval_required", false);
  return b;
}

json protectedBranchToJson(const FakeProtectedBranch& b) {
  return {{"id", b.id},
          {"name", b.name},
          {"push_access_levels", rulesToJson(b.push)},
          {"merge_access_levels", rulesToJson(b.merge)},
          {"unprotect_access_levels", rulesToJson(b.unprotect)},
          {"allow_force_push", b.allowForcePush},
          {"code_owner_approval_required", b.codeOwnerApprovalRequired}};
}

FakeProtectedEnvironment protectedEnvironmentFromJson(const json& j) {
  if (!j.is_object()) bad("a protected environment must be an object");
  FakeProtectedEnvironment e;
  e.name = get<std::string>(j, "name", "");
  if (e.name.empty()) bad("protected environment without a name");
  e.deploy = rulesFromJson(j, "deploy_access_levels");
  e.approvals = rulesFromJson(j, "approval_rules");
  e.requiredApprovalCount = get<int>(j, "required_approval_count", 0);
  return e;
}

json protectedEnvironmentToJson(const FakeProtectedEnvironment& e) {
  return {{"name", e.name},
          {"deploy_access_levels", rulesToJson(e.deploy)},
          {"approval_rules", rulesToJson(e.approvals)},
          {"required_approval_count", e.requiredApprovalCount}};
}

void readAccessSeed(FakeWorld& w, const json& seed, TimePoint now) {
  for (const auto& j : get<json>(seed, "members", json::array())) {
    FakeMember m = memberFromJson(j, now);
    if (!w.users.count(m.userId)) bad("member of unknown user " + std::to_string(m.userId));
    if (!resourceExists(w, m.source)) bad("member of unknown " + m.source.type + " " + std::to_string(m.source.id));
    w.members.push_back(m);
  }
  for (const auto& [id, u] : w.users) {
    if (u.botOf && !resourceExists(w, *u.botOf)) bad("bot user " + std::to_string(id) + " of an unknown resource");
  }
  for (const auto& [id, t] : w.tokens) {
    if (!t.resource) continue;
    if (!resourceExists(w, *t.resource)) bad("token " + std::to_string(id) + " of an unknown resource");
    auto user = w.users.find(t.userId);
    if (user == w.users.end()) continue;   // a revoked token of a deleted bot user
    if (!user->second.botOf || !(*user->second.botOf == *t.resource)) {
      bad("token " + std::to_string(id) + " of a user that is not its bot");
    }
  }
  int64_t maxBranch = 0, maxRule = 0;
  auto rules = [&](const std::vector<FakeAccessRule>& rs) {
    for (const auto& r : rs) maxRule = std::max(maxRule, r.id);
  };
  for (const auto& [pid, p] : w.projects) {
    for (const auto& b : p.protectedBranches) {
      maxBranch = std::max(maxBranch, b.id);
      rules(b.push), rules(b.merge), rules(b.unprotect);
    }
    for (const auto& e : p.protectedEnvironments) rules(e.deploy), rules(e.approvals);
  }
  // Entries seeded without an id get one after every explicit id.
  auto number = [&](std::vector<FakeAccessRule>& rs) {
    for (auto& r : rs) {
      if (r.id == 0) r.id = ++maxRule;
    }
  };
  for (auto& [pid, p] : w.projects) {
    for (auto& b : p.protectedBranches) {
      if (b.id == 0) b.id = ++maxBranch;
      number(b.push), number(b.merge), number(b.unprotect);
    }
    for (auto& e : p.protectedEnvironments) number(e.deploy), number(e.approvals);
  }
  w.nextProtectedBranchId = maxBranch + 1;
  w.nextAccessRuleId = maxRule + 1;
}

}  // namespace patbot::fakes
