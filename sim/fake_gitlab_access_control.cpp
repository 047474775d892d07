// Control routes (no auth, never faulted) that seed memberships, project and group access tokens
// and protected branches / environments into a running fake, and its settings. Shapes in
// sim/README.md. A bad body is 400 {"error": ...}; an unknown user, project or group 404.
#include <algorithm>

#include "sim/fake_gitlab_access.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

struct ControlError {
  http::Response response;
};

[[noreturn]] void fail(int status, const std::string& message) { throw ControlError{grapeError(status, message)}; }

json objectBody(const http::Request& req) {
  json body = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) fail(400, "the body must be a JSON object");
  return body;
}

template <typename T>
T field(const json& body, const char* key, T fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    fail(400, std::string("bad ") + key);
  }
}

std::optional<int64_t> optField(const json& body, const char* key) {
  if (!body.contains(key) || body.at(key).is_null()) return std::nullopt;
  return field<int64_t>(body, key, 0);
}

// The body's "project" or "group" (an id or a full path; exactly one of them).
FakeResourceRef resourceOf(const FakeWorld& world, const json& body) {
  bool project = body.contains("project"), group = body.contains("group");
  if (project == group) fail(400, "give exactly one of project and group");
  const json& ref = body.at(project ? "project" : "group");
  std::string idOrPath = ref.is_string() ? ref.get<std::string>() : ref.dump();
  if (project) {
    for (const auto& [id, p] : world.projects) {
      if (std::to_string(id) == idOrPath || p.path == idOrPath) return {"project", id};
    }
    fail(404, "no project " + idOrPath);
  }
  for (const auto& [id, g] : world.groups) {
    if (std::to_string(id) == idOrPath || g.path == idOrPath) return {"group", id};
  }
  fail(404, "no group " + idOrPath);
}

int64_t existingUser(const FakeWorld& world, const json& body, const char* key) {
  auto id = optField(body, key);
  if (!id) fail(400, std::string(key) + " is missing");
  if (!world.users.count(*id)) fail(404, "no user " + std::to_string(*id));
  return *id;
}

// A rule from the body's user_id / group_id / access_level (a role rule without the ids).
FakeAccessRule ruleOf(FakeWorld& world, const json& body) {
  FakeAccessRule r;
  r.id = world.nextAccessRuleId++;
  if (body.contains("user_id")) r.userId = existingUser(world, body, "user_id");
  if (auto g = optField(body, "group_id")) {
    if (!world.groups.count(*g)) fail(404, "no group " + std::to_string(*g));
    r.groupId = g;
  }
  r.accessLevel = field<int>(body, "access_level", 40);
  r.groupInheritanceType = field<int>(body, "group_inheritance_type", 0);
  r.requiredApprovals = field<int>(body, "required_approvals", 1);
  return r;
}

bool addsRule(const json& body) {
  return body.contains("user_id") || body.contains("group_id") || body.contains("access_level");
}

}  // namespace

std::optional<http::Response> FakeGitLab::Impl::handleAccessControl(const http::Request& req) {
  const std::string& p = req.path;
  try {
    if (p == "/_fake/settings" && (req.method == "GET" || req.method == "POST")) {
      json body = req.method == "POST" ? objectBody(req) : json::object();
      std::lock_guard lock(mutex_);
      world_.retainBotUserAfterRevoke =
          field<bool>(body, "retain_bot_user_after_revoke", world_.retainBotUserAfterRevoke);
      return jsonResponse(200, {{"retain_bot_user_after_revoke", world_.retainBotUserAfterRevoke}});
    }
    if (req.method != "POST") return std::nullopt;
    if (p == "/_fake/members") {
      json body = objectBody(req);
      std::lock_guard lock(mutex_);
      int64_t userId = existingUser(world_, body, "user_id");
      FakeResourceRef r = resourceOf(world_, body);
      int level = field<int>(body, "access_level", -1);
      if (level != 0 && !validMemberAccessLevel(level)) fail(400, "access_level must be 0, 10, 15, 20, 30, 40 or 50");
      setDirectMember(world_, userId, r, level, clock_.now());
      return jsonResponse(200, {{"user_id", userId}, {"source_type", r.type}, {"source_id", r.id},
                                {"access_level", directAccessLevel(world_, userId, r)}});
    }
    if (p == "/_fake/resource_tokens") {
      json body = objectBody(req);
      std::lock_guard lock(mutex_);
      FakeResourceRef r = resourceOf(world_, body);
      int level = field<int>(body, "access_level", 40);
      if (!validMemberAccessLevel(level)) fail(400, "access_level must be 10, 15, 20, 30, 40 or 50");
      std::string name = field<std::string>(body, "name", r.type + "_bot");
      int64_t botId = 0;
      if (body.contains("bot_user_id")) {
        botId = existingUser(world_, body, "bot_user_id");
        const auto& of = world_.users.at(botId).botOf;
        if (!of || !(*of == r)) fail(400, "bot_user_id is no bot user of that " + r.type);
      } else {
        FakeUser bot;
        bot.id = botId = world_.nextUserId++;
        bot.username = r.type + "_" + std::to_string(r.id) + "_bot_" + randomHex(32);
        bot.name = name;
        bot.botOf = r;
        world_.users.emplace(botId, std::move(bot));
        setDirectMember(world_, botId, r, level, clock_.now());
      }
      std::optional<Date> expires = today() + std::chrono::days(world_.maxLifetimeDays);
      if (body.contains("expires_at")) {
        auto text = field<std::string>(body, "expires_at", "");
        expires = text.empty() ? std::nullopt : parseDate(text);
        if (!text.empty() && !expires) fail(400, "expires_at must be YYYY-MM-DD or null");
      }
      auto value = field<std::string>(body, "value", "");
      if (!value.empty() && world_.tokenByValue.count(value)) fail(400, "that value is taken");
      FakeToken& t = createToken(botId, name, body.contains("description") ? body.at("description") : json(nullptr),
                                 field<std::vector<std::string>>(body, "scopes", {"api"}), expires);
      if (!value.empty()) {
        world_.tokenByValue.erase(t.value);
        t.value = value;
        world_.tokenByValue[value] = t.id;
      }
      t.resource = r;
      t.accessLevel = level;
      t.revoked = field<bool>(body, "revoked", false);
      auto stamp = [&](const char* key) {
        auto text = field<std::string>(body, key, "");
        auto at = parseTimestamp(text);
        if (!text.empty() && !at) fail(400, std::string(key) + " must be an RFC 3339 timestamp");
        return at;
      };
      if (auto at = stamp("created_at")) t.createdAt = *at;
      t.lastUsedAt = stamp("last_used_at");
      json out = resourceTokenJson(t, true);
      out["bot_username"] = world_.users.at(botId).username;
      return jsonResponse(201, out);
    }
    if (p == "/_fake/protected_branches") {
      json body = objectBody(req);
      std::lock_guard lock(mutex_);
      FakeResourceRef r = resourceOf(world_, body);
      if (r.type != "project") fail(400, "protected branches belong to a project");
      auto name = field<std::string>(body, "name", "");
      if (name.empty()) fail(400, "name is missing");
      auto kind = field<std::string>(body, "kind", "push");
      if (kind != "push" && kind != "merge" && kind != "unprotect") fail(400, "kind must be push, merge or unprotect");
      auto& branches = world_.projects.at(r.id).protectedBranches;
      auto it = std::find_if(branches.begin(), branches.end(), [&](const auto& b) { return b.name == name; });
      if (it == branches.end()) {
        FakeProtectedBranch b;
        b.id = world_.nextProtectedBranchId++;
        b.name = name;
        b.push.push_back({world_.nextAccessRuleId++, 40, {}, {}, 0, 1});
        b.merge.push_back({world_.nextAccessRuleId++, 40, {}, {}, 0, 1});
        branches.push_back(std::move(b));
        it = branches.end() - 1;
      }
      if (addsRule(body)) (kind == "push" ? it->push : kind == "merge" ? it->merge : it->unprotect).push_back(ruleOf(world_, body));
      it->allowForcePush = field<bool>(body, "allow_force_push", it->allowForcePush);
      it->codeOwnerApprovalRequired = field<bool>(body, "code_owner_approval_required", it->codeOwnerApprovalRequired);
      return jsonResponse(200, protectedBranchEntity(*it));
    }
    if (p == "/_fake/protected_environments") {
      json body = objectBody(req);
      std::lock_guard lock(mutex_);
      FakeResourceRef r = resourceOf(world_, body);
      if (r.type != "project") fail(400, "protected environments belong to a project here");
      auto name = field<std::string>(body, "name", "");
      if (name.empty()) fail(400, "name is missing");
      auto kind = field<std::string>(body, "kind", "deploy");
      if (kind != "deploy" && kind != "approval") fail(400, "kind must be deploy or approval");
      auto& envs = world_.projects.at(r.id).protectedEnvironments;
      auto it = std::find_if(envs.begin(), envs.end(), [&](const auto& e) { return e.name == name; });
      if (it == envs.end()) {
        FakeProtectedEnvironment e;
        e.name = name;
        e.deploy.push_back({world_.nextAccessRuleId++, 40, {}, {}, 0, 1});
        envs.push_back(std::move(e));
        it = envs.end() - 1;
      }
      if (addsRule(body)) (kind == "deploy" ? it->deploy : it->approvals).push_back(ruleOf(world_, body));
      it->requiredApprovalCount = field<int>(body, "required_approval_count", it->requiredApprovalCount);
      return jsonResponse(200, protectedEnvironmentEntity(*it));
    }
  } catch (const ControlError& e) {
    return e.response;
  }
  return std::nullopt;
}

}  // namespace patbot::fakes
