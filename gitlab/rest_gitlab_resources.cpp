// RestGitLabApi's calls about projects, groups and users: getResource, callerAccess, botUserTies
// (contracts: gitlab/rest_gitlab_api.h; answer shapes: gitlab/json_resources.h).
#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gitlab/json_resources.h"
#include "gitlab/rest_gitlab_api.h"
#include "gitlab/rest_helpers.h"
#include "http/client.h"

namespace patbot::gitlab {
namespace {

using namespace rest_detail;

std::string resourceBase(TokenKind kind) { return kind == TokenKind::kGroup ? "/groups/" : "/projects/"; }

std::string resourceRoute(TokenKind kind, const std::string& rest) {
  return (kind == TokenKind::kGroup ? "/groups/:id" : "/projects/:id") + rest;
}

std::string kindWord(TokenKind kind) { return kind == TokenKind::kGroup ? "group" : "project"; }

// GitLab's answer to a path it has no route for ({"error":"404 Not Found"}, §1.4), as opposed
// to a project, member or record it could not find ({"message":"404 … Not Found"}).
bool unknownRoute(int status, const std::string& body) {
  if (status != 404) return false;
  auto v = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object()) return false;
  auto it = v.find("error");
  return it != v.end() && it->is_string() && it->get<std::string>() == "404 Not Found";
}

std::string membershipTie(const Membership& m) {
  std::string name = m.sourceName.empty() ? std::to_string(m.sourceId)
                                          : m.sourceName + " (id " + std::to_string(m.sourceId) + ")";
  return "member of " + kindWord(m.sourceKind) + " " + name + " as " + accessLevelName(m.accessLevel);
}

std::string ruleTie(const std::string& action, const std::string& name) {
  if (action == "push") return "may push to protected branch " + name;
  if (action == "merge") return "may merge into protected branch " + name;
  if (action == "unprotect") return "may unprotect protected branch " + name;
  if (action == "deploy") return "may deploy to protected environment " + name;
  return "may approve deployments to protected environment " + name;
}

// Projects, groups and their members only: a service account is not a resource.
Error notAResource(const char* call, const std::string& what) {
  return Error::make(ErrorKind::kInvalidInput, std::string(call) + " takes a project or a group, not a service account",
                     std::string(call) + "(personal " + what + ")");
}

}  // namespace

Result<TokenOwner> RestGitLabApi::getResourceIn(TokenKind kind, const std::string& idOrPath, Operation& op) {
  if (kind == TokenKind::kPersonal) return notAResource("getResource", idOrPath);
  const std::string named = kindWord(kind) + " " + idOrPath;
  Call call;
  call.pathAndQuery = resourceBase(kind) + http::urlEncode(idOrPath);
  call.route = resourceRoute(kind, "");
  call.what = "reading " + named;
  call.refine = [&named](Error& e, int status, const std::string&) {
    if (status == 404) e.message = named + " was not found (or patbot's token cannot see it)";
  };
  auto response = execute(call, op);
  if (!response) return response.error();
  return answerOf(parseResourceOwner(response->body, kind), call.what, call.route, response->status);
}

Result<TokenOwner> RestGitLabApi::getResource(TokenKind kind, const std::string& idOrPath) {
  Operation op = startOperation();
  return getResourceIn(kind, idOrPath, op);
}

Result<CurrentUser> RestGitLabApi::currentUserIn(Operation& op) {
  {
    std::lock_guard lock(userMutex_);
    if (user_) return *user_;
  }
  Call call;
  call.pathAndQuery = "/user";
  call.route = "/user";
  call.what = "reading patbot's own user";
  auto response = execute(call, op);
  if (!response) return response.error();
  auto user = answerOf(parseCurrentUser(response->body), call.what, call.route, response->status);
  if (!user) return user.error();
  std::lock_guard lock(userMutex_);
  user_ = *user;
  return *user;
}

Result<CallerAccess> RestGitLabApi::callerAccess(const TokenOwner& resource) {
  if (resource.kind == TokenKind::kPersonal) return notAResource("callerAccess", resource.username);
  Operation op = startOperation();
  auto user = currentUserIn(op);
  if (!user) return user.error();
  CallerAccess access;
  access.admin = user->admin;

  Call call;
  call.pathAndQuery =
      resourceBase(resource.kind) + std::to_string(resource.id) + "/members/all/" + std::to_string(user->id);
  call.route = resourceRoute(resource.kind, "/members/all/:user_id");
  call.what = "reading patbot's role in " + resource.label();
  auto response = execute(call, op);
  if (!response) {
    if (response.error().kind == ErrorKind::kNotFound) return access;   // not a member: no level
    return response.error();
  }
  auto level = answerOf(parseMemberAccessLevel(response->body), call.what, call.route, response->status);
  if (!level) return level.error();
  access.level = *level;
  return access;
}

Result<std::vector<BotUserTie>> RestGitLabApi::botUserTies(const TokenOwner& resource, int64_t botUserId) {
  if (resource.kind == TokenKind::kPersonal) return notAResource("botUserTies", resource.username);
  Operation op = startOperation();
  const std::string bot = "bot user " + std::to_string(botUserId) + " of " + resource.label();
  std::vector<std::string> ties;

  Call memberships;
  memberships.pathAndQuery = "/users/" + std::to_string(botUserId) + "/memberships";
  memberships.route = "/users/:id/memberships";
  memberships.what = "listing the memberships of " + bot;
  const bool instance = options_.mode == Mode::kInstance;
  memberships.refine = [instance, &what = memberships.what](Error& e, int status, const std::string&) {
    if (status != 403) return;
    e.message = "Listing what the bot user belongs to needs an administrator token" +
                std::string(instance ? " (with GitLab's Admin Mode on, one with the admin_mode scope)" : "") +
                ": GitLab refused (403 Forbidden) while " + what;
  };
  std::vector<Membership> belongs;
  if (auto s = fetchAllPages(memberships, op, appendingTo(belongs, parseMemberships)); !s) return s.error();
  for (const auto& m : belongs) {
    if (m.sourceKind == resource.kind && m.sourceId == resource.id) continue;   // its own membership
    ties.push_back(membershipTie(m));
  }

  if (resource.kind == TokenKind::kProject) {
    const std::string base = "/projects/" + std::to_string(resource.id);
    Call branches;
    branches.pathAndQuery = base + "/protected_branches";
    branches.route = "/projects/:id/protected_branches";
    branches.what = "listing the protected branches of " + resource.label();
    std::vector<ProtectedRef> refs;
    if (auto s = fetchAllPages(branches, op, appendingTo(refs, parseProtectedBranches)); !s) return s.error();

    Call environments;
    environments.pathAndQuery = base + "/protected_environments";
    environments.route = "/projects/:id/protected_environments";
    environments.what = "listing the protected environments of " + resource.label();
    bool noRoute = false;
    environments.refine = [&noRoute](Error&, int status, const std::string& body) {
      noRoute = unknownRoute(status, body);
    };
    std::vector<ProtectedRef> envs;
    if (auto s = fetchAllPages(environments, op, appendingTo(envs, parseProtectedEnvironments)); !s && !noRoute) {
      return s.error();
    }
    refs.insert(refs.end(), envs.begin(), envs.end());
    for (const auto& ref : refs) {
      for (const auto& rule : ref.userRules) {
        if (rule.userId == botUserId) ties.push_back(ruleTie(rule.action, ref.name));
      }
    }
  }

  std::vector<BotUserTie> out;
  for (auto& t : ties) {
    if (std::none_of(out.begin(), out.end(), [&t](const BotUserTie& o) { return o.what == t; })) {
      out.push_back(BotUserTie{std::move(t)});
    }
  }
  return out;
}

}  // namespace patbot::gitlab
