// The current user (GET /user), memberships (GET /users/:id/memberships, GET /{projects,groups}/
// :id/members/all/:user_id), groups (GET /groups/:id) and protected branches and environments
// (GET /projects/:id/protected_{branches,environments}): what a pre-flight needs to see who may
// manage a project's or group's tokens and what is tied to a token's bot user.
#include "sim/fake_gitlab_access.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

std::string lastSegment(const std::string& path) { return path.substr(path.rfind('/') + 1); }

json idJson(const std::optional<int64_t>& id) { return id ? json(*id) : json(nullptr); }

// ProtectedRefAccess#humanize for a role.
std::string roleDescription(int level) {
  switch (level) {
    case 0: return "No one";
    case 30: return "Developers + Maintainers";
    case 40: return "Maintainers";
    case 60: return "Admins";
    default: return accessLevelName(level);
  }
}

// One access level entry: {id, access_level, access_level_description, user_id, group_id}; the
// description names the user or group of a user or group rule, else the role.
json ruleEntity(const FakeWorld& world, const FakeAccessRule& r) {
  std::string description = roleDescription(r.accessLevel);
  if (auto u = r.userId ? world.users.find(*r.userId) : world.users.end(); u != world.users.end()) {
    description = u->second.name;
  } else if (auto g = r.groupId ? world.groups.find(*r.groupId) : world.groups.end(); g != world.groups.end()) {
    description = lastSegment(g->second.path);
  }
  return {{"id", r.id},
          {"access_level", r.accessLevel},
          {"access_level_description", description},
          {"user_id", idJson(r.userId)},
          {"group_id", idJson(r.groupId)}};
}

}  // namespace

http::Response FakeGitLab::Impl::getCurrentUser(Ctx& ctx) {
  json u = userBasic(*ctx.user, ctx.baseUrl);
  u["bot"] = ctx.user->serviceAccount || ctx.user->botOf.has_value();
  // Entities::UserWithAdmin for administrators (as they act now: Admin Mode counts), else UserPublic.
  if (ctx.admin) u["is_admin"] = true;
  return jsonResponse(200, u);
}

http::Response FakeGitLab::Impl::listUserMemberships(Ctx& ctx) {
  if (!ctx.admin) return messageError(403, "403 Forbidden");
  http::Response err;
  auto userId = intParam(ctx, "user_id", &err);
  if (!userId) return err;
  if (!world_.users.count(*userId)) return messageError(404, "404 User Not Found");
  auto type = ctx.params.str("type");
  if (type && *type != "Project" && *type != "Namespace") return grapeError(400, "type does not have a valid value");
  // Direct memberships only, groups first, then projects, each by id.
  std::vector<json> items;
  auto add = [&](const char* sourceType, const FakeResourceRef& source, const std::string& path) {
    int level = directAccessLevel(world_, *userId, source);
    if (level == 0 || (type && *type != sourceType)) return;
    items.push_back({{"source_id", source.id},
                     {"source_name", lastSegment(path)},
                     {"source_type", sourceType},
                     {"access_level", level}});
  };
  for (const auto& [id, g] : world_.groups) add("Namespace", {"group", id}, g.path);
  for (const auto& [id, p] : world_.projects) add("Project", {"project", id}, p.path);
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

http::Response FakeGitLab::Impl::getMemberAll(Ctx& ctx) {
  FakeResourceRef r;
  int callerLevel = 0;
  if (auto err = resourceTarget(ctx, &r, &callerLevel)) return *err;
  http::Response err;
  auto userId = intParam(ctx, "user_id", &err);
  if (!userId) return err;
  auto user = world_.users.find(*userId);
  int level = user == world_.users.end() ? 0 : accessLevelOf(world_, *userId, r);
  if (level == 0) return messageError(404, "404 Not found");   // members.find_by! raised RecordNotFound
  json m = userBasic(user->second, ctx.baseUrl);
  m["access_level"] = level;
  m["expires_at"] = nullptr;
  m["membership_state"] = "active";
  return jsonResponse(200, m);
}

http::Response FakeGitLab::Impl::getGroup(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  const FakeGroup& g = world_.groups.at(r.id);
  json parent = nullptr;
  if (auto slash = g.path.rfind('/'); slash != std::string::npos) {
    if (FakeGroup* up = findGroup(g.path.substr(0, slash))) parent = up->id;
  }
  return jsonResponse(200, {{"id", g.id},
                            {"name", lastSegment(g.path)},
                            {"path", lastSegment(g.path)},
                            {"full_path", g.path},
                            {"full_name", g.path},
                            {"parent_id", parent},
                            {"web_url", ctx.baseUrl + "/groups/" + g.path}});
}

json FakeGitLab::Impl::protectedBranchEntity(const FakeProtectedBranch& b) const {
  auto rules = [this](const std::vector<FakeAccessRule>& rs) {
    json out = json::array();
    for (const auto& r : rs) out.push_back(ruleEntity(world_, r));
    return out;
  };
  return {{"id", b.id},
          {"name", b.name},
          {"push_access_levels", rules(b.push)},
          {"merge_access_levels", rules(b.merge)},
          {"unprotect_access_levels", rules(b.unprotect)},
          {"allow_force_push", b.allowForcePush},
          {"code_owner_approval_required", b.codeOwnerApprovalRequired}};
}

json FakeGitLab::Impl::protectedEnvironmentEntity(const FakeProtectedEnvironment& e) const {
  json deploy = json::array(), approvals = json::array();
  for (const auto& r : e.deploy) {
    deploy.push_back(ruleEntity(world_, r));
    deploy.back()["group_inheritance_type"] = r.groupInheritanceType;
  }
  for (const auto& r : e.approvals) {
    approvals.push_back(ruleEntity(world_, r));
    approvals.back()["group_inheritance_type"] = r.groupInheritanceType;
    approvals.back()["required_approvals"] = r.requiredApprovals;
  }
  return {{"name", e.name},
          {"deploy_access_levels", deploy},
          {"required_approval_count", e.requiredApprovalCount},
          {"approval_rules", approvals}};
}

// Any member may read a project's protected branches (approximate: GitLab's
// read_protected_branch); `search` matches part of the name.
http::Response FakeGitLab::Impl::listProtectedBranches(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  auto search = ctx.params.str("search");
  std::vector<json> items;
  for (const auto& b : world_.projects.at(r.id).protectedBranches) {
    if (search && b.name.find(*search) == std::string::npos) continue;
    items.push_back(protectedBranchEntity(b));
  }
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

// Maintainers and above ("the project maintained by the authenticated user"); others get 403.
http::Response FakeGitLab::Impl::listProtectedEnvironments(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  if (level < 40) return messageError(403, "403 Forbidden");
  std::vector<json> items;
  for (const auto& e : world_.projects.at(r.id).protectedEnvironments) items.push_back(protectedEnvironmentEntity(e));
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

}  // namespace patbot::fakes
