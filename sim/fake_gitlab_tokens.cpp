// Personal access tokens (§2), users' token creation (§2.6) and service accounts (§3).
#include <algorithm>

#include "core/lower_case.h"
#include "sim/fake_gitlab_access.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

const std::set<std::string>& validScopes() {
  static const std::set<std::string> kScopes = {
      "api",           "read_api",         "read_user",      "read_repository", "write_repository",
      "read_registry", "write_registry",   "read_virtual_registry", "write_virtual_registry",
      "create_runner", "manage_runner",    "k8s_proxy",      "self_rotate",     "ai_features",
      "sudo",          "admin_mode",       "read_service_ping"};
  return kScopes;
}

http::Response forbidden() { return messageError(403, "403 Forbidden"); }

// Admins get 404, everyone else 401, for a token id that is missing or not theirs (§1.5).
http::Response hiddenToken(bool admin) {
  return admin ? messageError(404, "404 Not Found") : messageError(401, "401 Unauthorized");
}

}  // namespace

json FakeGitLab::Impl::tokenJson(const FakeToken& t, bool withValue) const {
  json j = tokenFieldsJson(t);
  j["active"] = active(t);
  if (withValue) j["token"] = t.value;
  return j;
}

json FakeGitLab::Impl::serviceAccountJson(const FakeUser& u) const {
  return {{"id", u.id}, {"username", u.username}, {"name", u.name}};
}

std::string FakeGitLab::Impl::newTokenValue() {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  for (;;) {
    std::string v = "glpat-";
    for (int i = 0; i < 20; ++i) v.push_back(kAlphabet[rng_() % kAlphabet.size()]);
    if (!world_.tokenByValue.count(v)) return v;
  }
}

bool FakeGitLab::Impl::expiresParam(const Ctx& ctx, bool rotate, Date* out, http::Response* error) const {
  Date max = today() + std::chrono::days(world_.maxLifetimeDays);
  auto text = ctx.params.str("expires_at");
  if (!text || text->empty()) {
    *out = rotate ? std::min(today() + std::chrono::days(7), max) : max;
    return true;
  }
  auto d = parseDate(*text);
  if (!d) {
    *error = grapeError(400, "expires_at is invalid");
    return false;
  }
  if (*d > max) {   // the model's `expires_at > max`: max itself passes
    std::string reason = "Expiration date must be before " + formatDate(max);
    if (world_.expiryErrorStyle == "invalid") reason = "Expiration date is invalid";
    if (world_.expiryErrorStyle == "days") {
      reason = "Expiration date must expire in " + std::to_string(world_.maxLifetimeDays) + " days";
    }
    *error = rotate ? messageError(400, "400 Bad request - " + reason) : messageError(422, reason);
    return false;
  }
  *out = *d;
  return true;
}

FakeToken& FakeGitLab::Impl::createToken(int64_t userId, const std::string& name, json description,
                                         std::vector<std::string> scopes, std::optional<Date> expiresAt) {
  FakeToken t;
  t.id = world_.nextTokenId++;
  t.userId = userId;
  t.name = name;
  t.description = std::move(description);
  t.scopes = std::move(scopes);
  t.expiresAt = expiresAt;
  t.createdAt = clock_.now();
  t.value = newTokenValue();
  world_.tokenByValue[t.value] = t.id;
  return world_.tokens.emplace(t.id, std::move(t)).first->second;
}

FakeToken& FakeGitLab::Impl::rotateInto(FakeToken& old, std::optional<Date> expiresAt) {
  old.revoked = true;
  FakeToken& fresh = createToken(old.userId, old.name, old.description, old.scopes, expiresAt);
  fresh.previousId = old.id;
  fresh.resource = old.resource;
  fresh.accessLevel = old.accessLevel;
  return fresh;
}

// GitLab's RevokeTokenFamilyService: the family is every token rotated, directly or through
// others, from `t`; the active ones are revoked (expired ones are left as they are).
void FakeGitLab::Impl::revokeFamily(const FakeToken& t) {
  std::set<int64_t> family{t.id};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [id, other] : world_.tokens) {
      if (other.previousId && family.count(*other.previousId) && family.insert(id).second) grew = true;
    }
  }
  for (int64_t id : family) {
    FakeToken& member = world_.tokens.at(id);
    if (active(member)) member.revoked = true;
  }
}

http::Response FakeGitLab::Impl::listTokensOf(Ctx& ctx, const std::vector<const FakeToken*>& candidates,
                                              const std::string& linkPath, bool resourceEntity) {
  const Params& p = ctx.params;
  auto state = p.str("state");
  if (state && *state != "active" && *state != "inactive") return grapeError(400, "state does not have a valid value");
  bool badRevoked = false;
  auto revoked = p.boolean("revoked", &badRevoked);
  if (badRevoked) return grapeError(400, "revoked is invalid");
  std::map<std::string, std::optional<TimePoint>> times;
  for (const char* k : {"created_before", "created_after", "last_used_before", "last_used_after"}) {
    if (auto s = p.str(k)) {
      auto t = parseTimestamp(*s);
      if (!t) return grapeError(400, std::string(k) + " is invalid");
      times[k] = t;
    }
  }
  std::map<std::string, std::optional<Date>> dates;
  for (const char* k : {"expires_before", "expires_after"}) {
    if (auto s = p.str(k)) {
      auto d = parseDate(*s);
      if (!d) return grapeError(400, std::string(k) + " is invalid");
      dates[k] = d;
    }
  }
  auto search = p.str("search");
  std::vector<const FakeToken*> out;
  for (const FakeToken* t : candidates) {
    if (state && (*state == "active") != active(*t)) continue;
    if (revoked && t->revoked != *revoked) continue;
    if (auto& b = times["created_before"]; b && t->createdAt > *b) continue;
    if (auto& a = times["created_after"]; a && t->createdAt < *a) continue;
    if (auto& b = times["last_used_before"]; b && (!t->lastUsedAt || *t->lastUsedAt > *b)) continue;
    if (auto& a = times["last_used_after"]; a && (!t->lastUsedAt || *t->lastUsedAt < *a)) continue;
    if (auto& b = dates["expires_before"]; b && (!t->expiresAt || *t->expiresAt >= *b)) continue;
    if (auto& a = dates["expires_after"]; a && (!t->expiresAt || *t->expiresAt < *a)) continue;
    if (search && lowerCase(t->name).find(lowerCase(*search)) == std::string::npos) continue;
    out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [](const FakeToken* a, const FakeToken* b) { return a->id < b->id; });
  auto sort = p.str("sort").value_or("");
  auto by = [&](auto key, bool desc) {
    std::stable_sort(out.begin(), out.end(), [&](const FakeToken* a, const FakeToken* b) {
      return desc ? key(b) < key(a) : key(a) < key(b);
    });
  };
  // Nulls last for ascending expiry/last-use orders, first for descending, as PostgreSQL does.
  constexpr int64_t kNull = INT64_MAX;
  auto expiry = [&](const FakeToken* t) { return t->expiresAt ? t->expiresAt->time_since_epoch().count() : kNull; };
  auto lastUsed = [&](const FakeToken* t) { return t->lastUsedAt ? t->lastUsedAt->time_since_epoch().count() : kNull; };
  if (sort == "created_asc") by([](const FakeToken* t) { return t->createdAt; }, false);
  if (sort == "created_desc") by([](const FakeToken* t) { return t->createdAt; }, true);
  if (sort == "expires_asc") by(expiry, false);
  if (sort == "expires_desc") by(expiry, true);
  if (sort == "last_used_asc") by(lastUsed, false);
  if (sort == "last_used_desc") by(lastUsed, true);
  if (sort == "name_asc") by([](const FakeToken* t) { return t->name; }, false);
  if (sort == "name_desc") by([](const FakeToken* t) { return t->name; }, true);
  std::vector<json> items;
  items.reserve(out.size());
  for (const FakeToken* t : out) items.push_back(resourceEntity ? resourceTokenJson(*t, false) : tokenJson(*t, false));
  return paginate(items, p, ctx.baseUrl + linkPath, ctx.req.query);
}

// --- /personal_access_tokens ----------------------------------------------------------------

http::Response FakeGitLab::Impl::listTokens(Ctx& ctx) {
  std::optional<int64_t> userId;
  if (ctx.params.has("user_id")) {
    auto text = ctx.params.str("user_id").value_or("");
    if (text.empty()) return hiddenToken(ctx.admin);
    http::Response err;
    userId = intParam(ctx, "user_id", &err);
    if (!userId) return err;
    if (ctx.admin && !world_.users.count(*userId)) return messageError(404, "404 Not Found");
    if (!ctx.admin && *userId != ctx.user->id) return messageError(401, "401 Unauthorized");
  }
  std::vector<const FakeToken*> candidates;
  for (const auto& [id, t] : world_.tokens) {
    if (!ctx.admin && t.userId != ctx.user->id) continue;
    if (userId && t.userId != *userId) continue;
    candidates.push_back(&t);
  }
  return listTokensOf(ctx, candidates, ctx.req.path);
}

http::Response FakeGitLab::Impl::getSelf(Ctx& ctx) { return jsonResponse(200, tokenJson(*ctx.token, false)); }

std::optional<http::Response> FakeGitLab::Impl::visibleToken(Ctx& ctx, FakeToken** token) {
  http::Response err;
  auto id = intParam(ctx, "token_id", &err);
  if (!id) return err;
  auto it = world_.tokens.find(*id);
  if (it == world_.tokens.end() || (!ctx.admin && it->second.userId != ctx.user->id)) return hiddenToken(ctx.admin);
  *token = &it->second;
  return std::nullopt;
}

http::Response FakeGitLab::Impl::getToken(Ctx& ctx) {
  FakeToken* token = nullptr;
  if (auto err = visibleToken(ctx, &token)) return *err;
  return jsonResponse(200, tokenJson(*token, false));
}

http::Response FakeGitLab::Impl::rotateSelf(Ctx& ctx) {
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, true, &expires, &err)) return err;
  return jsonResponse(200, tokenJson(rotateInto(*ctx.token, expires), true));
}

http::Response FakeGitLab::Impl::rotateToken(Ctx& ctx) {
  FakeToken* token = nullptr;
  if (auto err = visibleToken(ctx, &token)) return *err;
  return rotateAnswer(ctx, *token);
}

http::Response FakeGitLab::Impl::rotateAnswer(Ctx& ctx, FakeToken& token) {
  if (token.revoked) return messageError(400, "400 Bad request - Token already revoked");
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, true, &expires, &err)) return err;
  return jsonResponse(200, tokenJson(rotateInto(token, expires), true));
}

http::Response FakeGitLab::Impl::revokeSelf(Ctx& ctx) {
  ctx.token->revoked = true;
  return noContent();
}

http::Response FakeGitLab::Impl::revokeToken(Ctx& ctx) {
  http::Response err;
  auto id = intParam(ctx, "token_id", &err);
  if (!id) return err;
  auto it = world_.tokens.find(*id);
  if (it == world_.tokens.end()) return messageError(404, "404 Not found");
  if (!ctx.admin && it->second.userId != ctx.user->id) return messageError(400, "400 Bad request");
  it->second.revoked = true;
  return noContent();
}

http::Response FakeGitLab::Impl::createTokenFor(Ctx& ctx, const FakeUser& user) {
  std::vector<std::string> missing;
  auto name = ctx.params.str("name");
  auto scopes = ctx.params.list("scopes");
  if (!name || name->empty()) missing.push_back("name is missing");
  if (!scopes || scopes->empty()) missing.push_back("scopes is missing");
  if (!missing.empty()) {
    std::string msg;
    for (const auto& m : missing) msg += (msg.empty() ? "" : ", ") + m;
    return grapeError(400, msg);
  }
  for (const auto& s : *scopes) {
    if (!validScopes().count(s)) return grapeError(400, "scopes does not have a valid value");
  }
  json description = nullptr;
  if (auto d = ctx.params.str("description")) {
    if (d->size() > 255) return grapeError(400, "description is too long");
    description = *d;
  }
  Date expires;
  http::Response err;
  if (!expiresParam(ctx, false, &expires, &err)) return err;
  FakeToken& t = createToken(user.id, *name, description, *scopes, expires);
  return jsonResponse(201, tokenJson(t, true));
}

http::Response FakeGitLab::Impl::createUserToken(Ctx& ctx) {
  if (!ctx.admin) return forbidden();
  http::Response err;
  auto userId = intParam(ctx, "user_id", &err);
  if (!userId) return err;
  auto it = world_.users.find(*userId);
  if (it == world_.users.end()) return messageError(404, "404 User Not Found");
  return createTokenFor(ctx, it->second);
}

// --- service accounts -------------------------------------------------------------------------

http::Response FakeGitLab::Impl::sortedServiceAccounts(Ctx& ctx, std::vector<const FakeUser*> accounts) {
  auto orderBy = ctx.params.str("order_by").value_or("id");
  auto sort = ctx.params.str("sort").value_or("desc");
  if (orderBy != "id" && orderBy != "username") return grapeError(400, "order_by does not have a valid value");
  if (sort != "asc" && sort != "desc") return grapeError(400, "sort does not have a valid value");
  std::stable_sort(accounts.begin(), accounts.end(), [&](const FakeUser* a, const FakeUser* b) {
    bool less = orderBy == "id" ? a->id < b->id : a->username < b->username;
    bool greater = orderBy == "id" ? b->id < a->id : b->username < a->username;
    return sort == "asc" ? less : greater;
  });
  std::vector<json> items;
  for (const FakeUser* u : accounts) items.push_back(serviceAccountJson(*u));
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

http::Response FakeGitLab::Impl::listServiceAccounts(Ctx& ctx) {
  if (!ctx.admin) return forbidden();
  std::vector<const FakeUser*> accounts;
  for (const auto& [id, u] : world_.users) {
    if (u.serviceAccount) accounts.push_back(&u);
  }
  return sortedServiceAccounts(ctx, std::move(accounts));
}

namespace {

std::optional<http::Response> addServiceAccount(FakeWorld& world, FakeUser account, FakeUser** out) {
  for (const auto& [id, u] : world.users) {
    if (u.username == account.username) return messageError(400, "400 Bad request - Username has already been taken");
  }
  account.id = world.nextUserId++;
  account.serviceAccount = true;
  *out = &world.users.emplace(account.id, std::move(account)).first->second;
  return std::nullopt;
}

}  // namespace

http::Response FakeGitLab::Impl::createServiceAccount(Ctx& ctx) {
  if (!ctx.admin) return forbidden();
  FakeUser u;
  u.name = ctx.params.str("name").value_or("Service account user");
  u.username = ctx.params.str("username").value_or("service_account_" + randomHex(32));
  FakeUser* created = nullptr;
  if (auto err = addServiceAccount(world_, std::move(u), &created)) return *err;
  return jsonResponse(201, serviceAccountJson(*created));
}

std::optional<http::Response> FakeGitLab::Impl::groupSaTarget(Ctx& ctx, FakeGroup** group, FakeUser** account) {
  FakeGroup* g = findGroup(ctx.path["id"]);
  if (!g) return messageError(404, "404 Group Not Found");
  if (!ctx.admin && accessLevelOf(world_, ctx.user->id, {"group", g->id}) < 50) return forbidden();
  *group = g;
  if (!account) return std::nullopt;
  http::Response err;
  auto userId = intParam(ctx, "user_id", &err);
  if (!userId) return err;
  auto it = world_.users.find(*userId);
  if (it == world_.users.end() || it->second.groupId != g->id) return messageError(404, "404 User Not Found");
  if (!it->second.serviceAccount) return messageError(400, "400 Bad request - User is not of type Service Account");
  *account = &it->second;
  return std::nullopt;
}

http::Response FakeGitLab::Impl::listGroupServiceAccounts(Ctx& ctx) {
  FakeGroup* g = nullptr;
  if (auto err = groupSaTarget(ctx, &g, nullptr)) return *err;
  std::vector<const FakeUser*> accounts;
  for (const auto& [id, u] : world_.users) {
    if (u.serviceAccount && u.groupId == g->id) accounts.push_back(&u);
  }
  return sortedServiceAccounts(ctx, std::move(accounts));
}

http::Response FakeGitLab::Impl::createGroupServiceAccount(Ctx& ctx) {
  FakeGroup* g = nullptr;
  if (auto err = groupSaTarget(ctx, &g, nullptr)) return *err;
  FakeUser u;
  u.name = ctx.params.str("name").value_or("Service account user");
  u.username = ctx.params.str("username").value_or("service_account_group_" + std::to_string(g->id) + "_" +
                                                    randomHex(32));
  u.groupId = g->id;
  FakeUser* created = nullptr;
  if (auto err = addServiceAccount(world_, std::move(u), &created)) return *err;
  return jsonResponse(201, serviceAccountJson(*created));
}

http::Response FakeGitLab::Impl::listGroupSaTokens(Ctx& ctx) {
  FakeGroup* g = nullptr;
  FakeUser* sa = nullptr;
  if (auto err = groupSaTarget(ctx, &g, &sa)) return *err;
  std::vector<const FakeToken*> candidates;
  for (const auto& [id, t] : world_.tokens) {
    if (t.userId == sa->id) candidates.push_back(&t);
  }
  return listTokensOf(ctx, candidates, ctx.req.path);
}

http::Response FakeGitLab::Impl::createGroupSaToken(Ctx& ctx) {
  FakeGroup* g = nullptr;
  FakeUser* sa = nullptr;
  if (auto err = groupSaTarget(ctx, &g, &sa)) return *err;
  return createTokenFor(ctx, *sa);
}

std::optional<http::Response> FakeGitLab::Impl::groupSaToken(Ctx& ctx, const std::string& notFound,
                                                             FakeToken** token) {
  FakeGroup* g = nullptr;
  FakeUser* sa = nullptr;
  if (auto err = groupSaTarget(ctx, &g, &sa)) return err;
  http::Response err;
  auto id = intParam(ctx, "token_id", &err);
  if (!id) return err;
  auto it = world_.tokens.find(*id);
  if (it == world_.tokens.end() || it->second.userId != sa->id) return messageError(404, notFound);
  *token = &it->second;
  return std::nullopt;
}

http::Response FakeGitLab::Impl::rotateGroupSaToken(Ctx& ctx) {
  FakeToken* token = nullptr;
  if (auto err = groupSaToken(ctx, "404 Not Found", &token)) return *err;
  return rotateAnswer(ctx, *token);
}

http::Response FakeGitLab::Impl::revokeGroupSaToken(Ctx& ctx) {
  FakeToken* token = nullptr;
  if (auto err = groupSaToken(ctx, "404 Personal Access Token Not Found", &token)) return *err;
  token->revoked = true;
  return noContent();
}

}  // namespace patbot::fakes
