#include "sim/fake_gitlab_model.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

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

int64_t requireId(const json& j, const char* what) {
  auto it = j.find("id");
  if (it == j.end() || !it->is_number_integer()) bad(std::string(what) + " without an integer id");
  return it->get<int64_t>();
}

// `key` read by `parse` (parseDate, parseTimestamp); nullopt when absent, null or "". A text
// `parse` refuses fails the seed as a bad `what`.
template <typename T>
std::optional<T> optParsed(const json& j, const char* key, const char* what,
                           std::optional<T> (*parse)(std::string_view)) {
  auto s = get<std::string>(j, key, "");
  if (s.empty()) return std::nullopt;
  auto v = parse(s);
  if (!v) bad(std::string("bad ") + what + " \"" + s + "\" for " + key);
  return v;
}

std::optional<Date> optDate(const json& j, const char* key) { return optParsed(j, key, "date", parseDate); }

std::optional<TimePoint> optTime(const json& j, const char* key) {
  return optParsed(j, key, "timestamp", parseTimestamp);
}

json optTimeJson(const std::optional<TimePoint>& t) { return t ? json(formatTimestamp(*t)) : json(nullptr); }

std::set<int64_t> idSet(const json& j, const char* key) {
  std::set<int64_t> out;
  for (const auto& v : get<std::vector<int64_t>>(j, key, {})) out.insert(v);
  return out;
}

std::string fakeSha(int64_t id) {
  std::string out;
  uint64_t x = static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull + 0x1234567ull;
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    out.push_back(kHex[x & 15]);
  }
  return out;
}

void addUser(FakeWorld& w, FakeUser u) {
  if (w.users.count(u.id)) bad("duplicate user id " + std::to_string(u.id));
  w.users.emplace(u.id, std::move(u));
}

}  // namespace

FakeVariable variableFromJson(const json& j) {
  FakeVariable v;
  v.key = get<std::string>(j, "key", "");
  if (v.key.empty()) bad("variable without a key");
  v.value = get<std::string>(j, "value", "");
  v.masked = get<bool>(j, "masked", false);
  v.isProtected = get<bool>(j, "protected", false);
  v.raw = get<bool>(j, "raw", false);
  v.hidden = get<bool>(j, "hidden", false);
  v.environmentScope = get<std::string>(j, "environment_scope", "*");
  v.variableType = get<std::string>(j, "variable_type", "env_var");
  v.description = j.contains("description") ? j.at("description") : json(nullptr);
  return v;
}

json tokenFieldsJson(const FakeToken& t) {
  return {{"id", t.id},
          {"user_id", t.userId},
          {"name", t.name},
          {"description", t.description},
          {"scopes", t.scopes},
          {"expires_at", t.expiresAt ? json(formatDate(*t.expiresAt)) : json(nullptr)},
          {"revoked", t.revoked},
          {"created_at", formatTimestamp(t.createdAt)},
          {"last_used_at", optTimeJson(t.lastUsedAt)}};
}

json variableToJson(const FakeVariable& v) {
  return {{"key", v.key},
          {"value", v.value},
          {"masked", v.masked},
          {"protected", v.isProtected},
          {"raw", v.raw},
          {"hidden", v.hidden},
          {"environment_scope", v.environmentScope},
          {"variable_type", v.variableType},
          {"description", v.description}};
}

FakeWorld worldFromSeed(const json& seed, TimePoint now) {
  if (!seed.is_object()) bad("the seed must be a JSON object");
  FakeWorld w;
  w.maxLifetimeDays = get<int>(seed, "max_lifetime_days", 365);
  w.expiryErrorStyle = get<std::string>(seed, "expiry_error_style", "before_date");
  w.adminMode = get<bool>(seed, "admin_mode", false);
  w.retainBotUserAfterRevoke = get<bool>(seed, "retain_bot_user_after_revoke", false);
  if (w.expiryErrorStyle != "before_date" && w.expiryErrorStyle != "invalid" && w.expiryErrorStyle != "days") {
    bad("expiry_error_style must be \"before_date\", \"invalid\" or \"days\"");
  }

  for (const auto& j : get<json>(seed, "users", json::array())) {
    FakeUser u;
    u.id = requireId(j, "user");
    u.username = get<std::string>(j, "username", "user" + std::to_string(u.id));
    u.name = get<std::string>(j, "name", u.username);
    u.admin = get<bool>(j, "admin", false);
    if (j.contains("bot_of") && j.at("bot_of").is_object()) u.botOf = resourceRefFromJson(j.at("bot_of"));
    addUser(w, std::move(u));
  }
  for (const auto& j : get<json>(seed, "service_accounts", json::array())) {
    FakeUser u;
    u.id = requireId(j, "service account");
    u.username = get<std::string>(j, "username", "service_account_" + std::to_string(u.id));
    u.name = get<std::string>(j, "name", "Service account user");
    u.serviceAccount = true;
    if (j.contains("group_id") && !j.at("group_id").is_null()) u.groupId = get<int64_t>(j, "group_id", 0);
    addUser(w, std::move(u));
  }
  for (const auto& j : get<json>(seed, "groups", json::array())) {
    FakeGroup g;
    g.id = requireId(j, "group");
    g.path = get<std::string>(j, "path", "");
    if (g.path.empty()) bad("group " + std::to_string(g.id) + " without a path");
    g.owners = idSet(j, "owners");
    for (const auto& v : get<json>(j, "variables", json::array())) g.variables.push_back(variableFromJson(v));
    if (!w.groups.emplace(g.id, std::move(g)).second) bad("duplicate group id");
  }
  for (const auto& j : get<json>(seed, "tokens", json::array())) {
    FakeToken t;
    t.id = requireId(j, "token");
    t.userId = get<int64_t>(j, "user_id", 0);
    t.name = get<std::string>(j, "name", "token");
    t.description = j.contains("description") ? j.at("description") : json(nullptr);
    t.scopes = get<std::vector<std::string>>(j, "scopes", {"api"});
    t.expiresAt = optDate(j, "expires_at");
    t.revoked = get<bool>(j, "revoked", false);
    t.createdAt = optTime(j, "created_at").value_or(now);
    t.lastUsedAt = optTime(j, "last_used_at");
    t.value = get<std::string>(j, "value", "");
    if (t.value.empty()) bad("token " + std::to_string(t.id) + " without a value");
    if (j.contains("previous_id") && !j.at("previous_id").is_null()) t.previousId = get<int64_t>(j, "previous_id", 0);
    t.resource = resourceRefFromJson(j);
    t.accessLevel = get<int>(j, "access_level", t.resource ? 40 : 0);
    // A revoked project/group token may outlive its bot user, as revoking deletes the bot user.
    if (!w.users.count(t.userId) && !(t.resource && t.revoked)) {
      bad("token " + std::to_string(t.id) + " of unknown user");
    }
    if (!w.tokenByValue.emplace(t.value, t.id).second) bad("duplicate token value");
    if (!w.tokens.emplace(t.id, std::move(t)).second) bad("duplicate token id");
  }
  int64_t maxIssueId = 0, maxNoteId = 0;
  for (const auto& j : get<json>(seed, "projects", json::array())) {
    FakeProject p;
    p.id = requireId(j, "project");
    p.path = get<std::string>(j, "path", "");
    if (p.path.empty()) bad("project " + std::to_string(p.id) + " without a path");
    p.maintainers = idSet(j, "maintainers");
    p.verifyVariable = get<std::string>(j, "verify_variable", "");
    for (const auto& v : get<json>(j, "variables", json::array())) p.variables.push_back(variableFromJson(v));
    for (const auto& b : get<json>(j, "protected_branches", json::array())) {
      p.protectedBranches.push_back(protectedBranchFromJson(b));
    }
    for (const auto& e : get<json>(j, "protected_environments", json::array())) {
      p.protectedEnvironments.push_back(protectedEnvironmentFromJson(e));
    }
    for (const auto& pj : get<json>(j, "pipelines", json::array())) {
      FakePipeline pl;
      pl.id = requireId(pj, "pipeline");
      pl.iid = get<int64_t>(pj, "iid", static_cast<int64_t>(p.pipelines.size()) + 1);
      pl.ref = get<std::string>(pj, "ref", "main");
      pl.status = get<std::string>(pj, "status", "success");
      pl.sha = get<std::string>(pj, "sha", fakeSha(pl.id));
      pl.source = get<std::string>(pj, "source", "push");
      pl.createdAt = optTime(pj, "created_at").value_or(now - std::chrono::hours(2));
      pl.updatedAt = optTime(pj, "updated_at").value_or(pl.createdAt);
      pl.startedAt = optTime(pj, "started_at");
      pl.finishedAt = optTime(pj, "finished_at");
      pl.simulate = get<bool>(pj, "simulate", false);
      w.nextPipelineId = std::max(w.nextPipelineId, pl.id + 1);
      p.pipelines.emplace(pl.id, std::move(pl));
    }
    for (const auto& ij : get<json>(j, "issues", json::array())) {
      FakeIssue is;
      is.iid = get<int64_t>(ij, "iid", 0);
      if (is.iid <= 0) bad("issue without a positive iid in project " + p.path);
      is.id = get<int64_t>(ij, "id", 0);
      is.title = get<std::string>(ij, "title", "Issue");
      is.description = get<std::string>(ij, "description", "");
      is.state = get<std::string>(ij, "state", "opened");
      is.labels = get<std::vector<std::string>>(ij, "labels", {});
      is.createdAt = optTime(ij, "created_at").value_or(now - std::chrono::hours(24));
      is.updatedAt = optTime(ij, "updated_at").value_or(is.createdAt);
      is.closedAt = optTime(ij, "closed_at");
      if (ij.contains("closed_by") && !ij.at("closed_by").is_null()) is.closedBy = get<int64_t>(ij, "closed_by", 0);
      for (const auto& nj : get<json>(ij, "notes", json::array())) {
        FakeNote n;
        n.id = requireId(nj, "note");
        n.body = get<std::string>(nj, "body", "");
        n.authorId = get<int64_t>(nj, "author_id", 0);
        n.createdAt = optTime(nj, "created_at").value_or(now);
        maxNoteId = std::max(maxNoteId, n.id);
        is.notes.push_back(std::move(n));
      }
      maxIssueId = std::max(maxIssueId, is.id);
      p.issues.emplace(is.iid, std::move(is));
    }
    if (!w.projects.emplace(p.id, std::move(p)).second) bad("duplicate project id");
  }
  // Issues seeded without a global id get one after every explicit id.
  for (auto& [pid, p] : w.projects) {
    for (auto& [iid, is] : p.issues) {
      if (is.id == 0) is.id = ++maxIssueId;
    }
  }
  w.nextIssueId = maxIssueId + 1;
  w.nextNoteId = std::max<int64_t>(maxNoteId + 1, 1);
  for (const auto& [id, u] : w.users) w.nextUserId = std::max(w.nextUserId, id + 1);
  for (const auto& [id, t] : w.tokens) w.nextTokenId = std::max(w.nextTokenId, id + 1);
  w.nextPipelineId = std::max<int64_t>(w.nextPipelineId, 1);
  readAccessSeed(w, seed, now);
  return w;
}

json worldToSeed(const FakeWorld& w) {
  json users = json::array(), sas = json::array(), groups = json::array(), tokens = json::array(),
       projects = json::array();
  for (const auto& [id, u] : w.users) {
    if (u.serviceAccount) {
      sas.push_back({{"id", u.id}, {"username", u.username}, {"name", u.name},
                     {"group_id", u.groupId ? json(*u.groupId) : json(nullptr)}});
    } else {
      users.push_back({{"id", u.id}, {"username", u.username}, {"name", u.name}, {"admin", u.admin}});
      if (u.botOf) users.back()["bot_of"] = resourceRefToJson(*u.botOf);
    }
  }
  for (const auto& [id, g] : w.groups) {
    json vars = json::array();
    for (const auto& v : g.variables) vars.push_back(variableToJson(v));
    groups.push_back({{"id", g.id}, {"path", g.path}, {"owners", g.owners}, {"variables", vars}});
  }
  for (const auto& [id, t] : w.tokens) {
    json token = tokenFieldsJson(t);
    token["value"] = t.value;
    token["previous_id"] = t.previousId ? json(*t.previousId) : json(nullptr);
    if (t.resource) {
      token.update(resourceRefToJson(*t.resource));
      token["access_level"] = t.accessLevel;
    }
    tokens.push_back(std::move(token));
  }
  for (const auto& [id, p] : w.projects) {
    json vars = json::array(), pipes = json::array(), issues = json::array();
    for (const auto& v : p.variables) vars.push_back(variableToJson(v));
    for (const auto& [pid, pl] : p.pipelines) {
      pipes.push_back({{"id", pl.id}, {"iid", pl.iid}, {"ref", pl.ref}, {"status", pl.status}, {"sha", pl.sha},
                       {"source", pl.source}, {"created_at", formatTimestamp(pl.createdAt)},
                       {"updated_at", formatTimestamp(pl.updatedAt)}, {"started_at", optTimeJson(pl.startedAt)},
                       {"finished_at", optTimeJson(pl.finishedAt)}, {"simulate", pl.simulate}});
    }
    for (const auto& [iid, is] : p.issues) {
      json notes = json::array();
      for (const auto& n : is.notes) {
        notes.push_back({{"id", n.id}, {"body", n.body}, {"author_id", n.authorId},
                         {"created_at", formatTimestamp(n.createdAt)}});
      }
      issues.push_back({{"id", is.id}, {"iid", is.iid}, {"title", is.title}, {"description", is.description},
                        {"state", is.state}, {"labels", is.labels}, {"created_at", formatTimestamp(is.createdAt)},
                        {"updated_at", formatTimestamp(is.updatedAt)}, {"closed_at", optTimeJson(is.closedAt)},
                        {"closed_by", is.closedBy ? json(*is.closedBy) : json(nullptr)}, {"notes", notes}});
    }
    json branches = json::array(), environments = json::array();
    for (const auto& b : p.protectedBranches) branches.push_back(protectedBranchToJson(b));
    for (const auto& e : p.protectedEnvironments) environments.push_back(protectedEnvironmentToJson(e));
    projects.push_back({{"id", p.id}, {"path", p.path}, {"maintainers", p.maintainers}, {"variables", vars},
                        {"pipelines", pipes}, {"verify_variable", p.verifyVariable}, {"issues", issues},
                        {"protected_branches", branches}, {"protected_environments", environments}});
  }
  json members = json::array();
  for (const auto& m : w.members) members.push_back(memberToJson(m));
  return {{"max_lifetime_days", w.maxLifetimeDays}, {"expiry_error_style", w.expiryErrorStyle},
          {"admin_mode", w.adminMode}, {"retain_bot_user_after_revoke", w.retainBotUserAfterRevoke},
          {"users", users}, {"service_accounts", sas}, {"groups", groups}, {"tokens", tokens},
          {"projects", projects}, {"members", members}};
}

}  // namespace patbot::fakes
