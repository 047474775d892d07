// Project and group access tokens (gitlab-api.md §4, reference/gitlab-access-tokens.md, GitLab's
// lib/api/resource_access_tokens.rb and app/services/resource_access_tokens/*): every token has a
// bot user of its own ("project_<id>_bot_<hex>", "group_<id>_bot_<hex>"), a member of the project
// or group at the token's access level. Rotating keeps the bot user; revoking deletes it unless
// world_.retainBotUserAfterRevoke. Managing tokens takes Maintainer on a project, Owner on a group.
#include <algorithm>
#include <charconv>

#include "sim/fake_gitlab_access.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

// Every non-admin scope but read_user (gitlab-api.md §2.7; Gitlab::Auth.resource_bot_scopes).
const std::set<std::string>& resourceScopes() {
  static const std::set<std::string> kScopes = {
      "api",           "read_api",       "read_repository",       "write_repository",       "read_registry",
      "write_registry", "read_virtual_registry", "write_virtual_registry", "create_runner", "manage_runner",
      "k8s_proxy",     "self_rotate",    "ai_features"};
  return kScopes;
}

// The level that may list, create, rotate and revoke a resource's tokens.
int manageLevel(const FakeResourceRef& r) { return r.type == "project" ? 40 : 50; }

http::Response badRequest(const std::string& reason) { return messageError(400, "400 Bad request - " + reason); }

// Grape's coercion of an expires_at parameter that is present: 400 when it is no date.
std::optional<http::Response> badDate(const Params& params) {
  auto text = params.str("expires_at");
  if (text && !text->empty() && !parseDate(*text)) return grapeError(400, "expires_at is invalid");
  return std::nullopt;
}

FakeToken* findToken(const std::vector<FakeToken*>& tokens, const std::string& idText) {
  int64_t id = 0;
  auto [p, ec] = std::from_chars(idText.data(), idText.data() + idText.size(), id);
  if (ec != std::errc() || p != idText.data() + idText.size()) return nullptr;
  for (FakeToken* t : tokens) {
    if (t->id == id) return t;
  }
  return nullptr;
}

}  // namespace

json FakeGitLab::Impl::resourceTokenJson(const FakeToken& t, bool withValue) const {
  json j = tokenJson(t, withValue);
  int member = t.resource ? directAccessLevel(world_, t.userId, *t.resource) : 0;
  j["access_level"] = member > 0 ? member : t.accessLevel;
  j["resource_type"] = t.resource ? json(t.resource->type) : json(nullptr);
  j["resource_id"] = t.resource ? json(t.resource->id) : json(nullptr);
  return j;
}

std::optional<http::Response> FakeGitLab::Impl::resourceTarget(Ctx& ctx, FakeResourceRef* resource, int* callerLevel) {
  const bool project = ctx.req.path.rfind("/api/v4/projects/", 0) == 0;
  const std::string& idOrPath = ctx.path["id"];
  std::optional<FakeResourceRef> found;
  if (project) {
    if (FakeProject* p = findProject(idOrPath)) found = FakeResourceRef{"project", p->id};
  } else if (FakeGroup* g = findGroup(idOrPath)) {
    found = FakeResourceRef{"group", g->id};
  }
  int level = !found ? 0 : ctx.admin ? 60 : accessLevelOf(world_, ctx.user->id, *found);
  if (level == 0) return messageError(404, project ? "404 Project Not Found" : "404 Group Not Found");
  *resource = *found;
  *callerLevel = level;
  return std::nullopt;
}

std::vector<FakeToken*> FakeGitLab::Impl::tokensOf(const FakeResourceRef& resource) {
  std::vector<FakeToken*> out;
  for (auto& [id, t] : world_.tokens) {
    if (t.resource && *t.resource == resource) out.push_back(&t);
  }
  return out;
}

http::Response FakeGitLab::Impl::listResourceTokens(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  if (level < manageLevel(r)) return messageError(401, "401 Unauthorized");
  auto tokens = tokensOf(r);
  return listTokensOf(ctx, std::vector<const FakeToken*>(tokens.begin(), tokens.end()), ctx.req.path, true);
}

http::Response FakeGitLab::Impl::getResourceToken(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  if (level < manageLevel(r)) return messageError(401, "401 Unauthorized");
  FakeToken* t = findToken(tokensOf(r), ctx.path["token_id"]);
  if (!t) return messageError(404, "404 " + r.type + " Access Token Not Found");
  return jsonResponse(200, resourceTokenJson(*t, false));
}

http::Response FakeGitLab::Impl::createResourceToken(Ctx& ctx) {
  // Grape checks the parameters before the endpoint runs. expires_at is required as on 16.1+
  // with token expiry enforced.
  const Params& p = ctx.params;
  auto name = p.str("name");
  auto scopes = p.list("scopes");
  auto expiresText = p.str("expires_at");
  std::string missing;
  auto need = [&](bool present, const char* what) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(what) + " is missing";
  };
  need(name && !name->empty(), "name");
  need(scopes && !scopes->empty(), "scopes");
  need(expiresText && !expiresText->empty(), "expires_at");
  if (!missing.empty()) return grapeError(400, missing);
  for (const auto& s : *scopes) {
    if (!resourceScopes().count(s)) return grapeError(400, "scopes does not have a valid value");
  }
  if (auto err = badDate(p)) return *err;
  int accessLevel = 40;
  if (p.has("access_level")) {
    http::Response err;
    auto level = intParam(ctx, "access_level", &err);
    if (!level) return err;
    if (!validMemberAccessLevel(static_cast<int>(*level))) return grapeError(400, "access_level does not have a valid value");
    accessLevel = static_cast<int>(*level);
  }
  json description = nullptr;
  if (auto d = p.str("description")) {
    if (d->size() > 255) return grapeError(400, "description is too long");
    description = *d;
  }

  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  // ResourceAccessTokens::CreateService (16.x wording). A bot's own token may not create tokens:
  // GitLab wants a personal access token here.
  if (!ctx.admin && (level < manageLevel(r) || ctx.user->botOf)) {
    return badRequest("User does not have permission to create " + r.type + " access token");
  }
  // A level above the caller's can only be Owner on a project here (managing takes Maintainer,
  // Owner on a group); GitLab's later "Access level of the token can't be greater the access
  // level of the user who created the token" cannot arise after this check.
  if (r.type == "project" && accessLevel == 50 && level < 50) {
    return badRequest("Could not provision owner access to project access token");
  }
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, true, &expires, &err)) return err;   // 400 "Bad request - Expiration date ..."

  FakeUser bot;
  bot.id = world_.nextUserId++;
  bot.username = r.type + "_" + std::to_string(r.id) + "_bot_" + randomHex(32);
  bot.name = *name;
  bot.botOf = r;
  const int64_t botId = bot.id;
  world_.users.emplace(botId, std::move(bot));
  setDirectMember(world_, botId, r, accessLevel, clock_.now());
  FakeToken& t = createToken(botId, *name, description, *scopes, expires);
  t.resource = r;
  t.accessLevel = accessLevel;
  return jsonResponse(201, resourceTokenJson(t, true));
}

http::Response FakeGitLab::Impl::rotateResourceToken(Ctx& ctx) {
  if (auto err = badDate(ctx.params)) return *err;
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  FakeToken* t = level >= manageLevel(r) ? findToken(tokensOf(r), ctx.path["token_id"]) : nullptr;
  // Only admins learn that a token does not exist.
  if (!t) return ctx.admin ? messageError(404, "404 Not Found") : messageError(401, "401 Unauthorized");
  if (t->revoked) return badRequest("Token already revoked");
  // Approximate: GitLab has no such message. 16.x refuses an expired project/group token because
  // the bot's membership expired with it (the token is not found: 401, admins 404); 17.9+ keeps
  // the membership. The fake answers a 400 naming the cause.
  if (expired(*t)) return badRequest("Token already expired");
  int tokenLevel = directAccessLevel(world_, t->userId, r);
  if (tokenLevel == 0) tokenLevel = t->accessLevel;
  if (tokenLevel > level) return badRequest("Not eligible to rotate token with access level higher than the user");
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, true, &expires, &err)) return err;
  return jsonResponse(200, resourceTokenJson(rotateInto(*t, expires), true));
}

http::Response FakeGitLab::Impl::rotateResourceSelf(Ctx& ctx) {
  if (!ctx.user->botOf) return messageError(405, "405 Method Not Allowed");
  if (auto err = badDate(ctx.params)) return *err;
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  if (!ctx.token->resource || !(*ctx.token->resource == r)) return messageError(401, "401 Unauthorized");
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, true, &expires, &err)) return err;
  return jsonResponse(200, resourceTokenJson(rotateInto(*ctx.token, expires), true));
}

http::Response FakeGitLab::Impl::revokeResourceToken(Ctx& ctx) {
  FakeResourceRef r;
  int level = 0;
  if (auto err = resourceTarget(ctx, &r, &level)) return *err;
  FakeToken* t = findToken(tokensOf(r), ctx.path["token_id"]);
  if (!t) return messageError(404, "404 " + r.type + " Access Token Not Found");
  if (level < manageLevel(r)) {
    auto bot = world_.users.find(t->userId);
    return badRequest(ctx.user->name + " cannot delete " + (bot == world_.users.end() ? t->name : bot->second.name));
  }
  // ResourceAccessTokens::RevokeService: revoke, then delete the bot user (whose other tokens, a
  // rotated successor included, die with it). A repeated DELETE finds the token again: 204.
  t->revoked = true;
  if (!world_.retainBotUserAfterRevoke) deleteUser(world_, t->userId);
  return noContent();
}

}  // namespace patbot::fakes
