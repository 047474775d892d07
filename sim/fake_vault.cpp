// FakeVault's HTTP side: control routes, faults, auth, and the KV v2 / auth / sys routes.
#include "sim/fake_vault.h"

#include <atomic>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "core/time_format.h"
#include "http/url.h"
#include "sim/fake_sink_faults.h"
#include "sim/fake_vault_model.h"

namespace patbot::fakes {

using nlohmann::json;
using namespace vault;

namespace {

const char* kDenied = "permission denied";                                     // bad token
const char* kPolicyDenied = "1 error occurred:\n\t* permission denied\n\n";     // missing capability

http::Response errors(int status, json list) { return http::Response::json(status, json{{"errors", list}}.dump()); }
http::Response error(int status, const std::string& message) { return errors(status, json::array({message})); }

std::string randomHex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += digits[rng() % 16];
  return out;
}

std::string uuid() {
  std::string h = randomHex(32);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// Vault's response envelope around `data` (and `auth`).
json envelope(json data, json auth = nullptr, const std::string& mountType = "kv") {
  return {{"request_id", uuid()}, {"lease_id", ""}, {"renewable", false}, {"lease_duration", 0}, {"data", data},
          {"wrap_info", nullptr}, {"warnings", nullptr}, {"auth", auth}, {"mount_type", mountType}};
}

json versionMetadata(int n, const Version& v) {
  return {{"version", n}, {"created_time", formatTimestamp(v.created)},
          {"deletion_time", v.deleted ? formatTimestamp(*v.deleted) : ""}, {"destroyed", v.destroyed},
          {"custom_metadata", nullptr}};
}

bool live(const Version& v, TimePoint now) { return !v.destroyed && !(v.deleted && *v.deleted <= now); }

std::string mediaType(const http::Request& req) {
  const std::string* ct = req.header("content-type");
  if (!ct) return "";
  std::string t = ct->substr(0, ct->find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace

struct FakeVault::Impl {
  const Clock& clock;
  mutable std::mutex mutex;
  Model model;
  SinkFaultQueue faults;
  SinkCallLog calls;

  Impl(const json& seed, const Clock& c) : clock(c), model(modelFromSeed(seed, c.now())) {}

  http::Response control(const http::Request& req);
  http::Response api(const http::Request& req, std::string& auth);
  http::Response login(const http::Request& req, const std::string& mount, const json& body);
  http::Response kv(const http::Request& req, const Token& token, const std::string& ns,
                    const std::string& relPrefix, const std::string& rest, const json& body);
  bool allowed(const Token& token, const std::string& policyPath, const std::string& cap) const {
    auto caps = capabilitiesOf(model, token.policies, policyPath);
    return caps == std::vector<std::string>{"root"} || std::find(caps.begin(), caps.end(), cap) != caps.end();
  }
};

FakeVault::FakeVault(const json& seed, const Clock& clock) : impl_(std::make_unique<Impl>(seed, clock)) {}
FakeVault::~FakeVault() = default;

json FakeVault::state() const {
  std::lock_guard lock(impl_->mutex);
  return modelToJson(impl_->model);
}

http::Response FakeVault::handle(const http::Request& req) {
  try {
    if (req.path.rfind("/_fake/", 0) == 0) return impl_->control(req);
    SinkCall call{0, req.method, req.path, req.query, 0, "none", false};
    http::Response res;
    if (auto fault = impl_->faults.take(req.method, req.path)) {
      call.faulted = true;
      res = http::Response::json(fault->status, fault->body.is_null()
                                                    ? json{{"errors", json::array({fault->status == 429 ? "rate limit quota exceeded"
                                                                                  : fault->status == 503 ? "Vault is sealed"
                                                                                                         : "internal error"})}}.dump()
                                                    : fault->body.dump());
      if (fault->retryAfter >= 0) res.headers["retry-after"] = std::to_string(fault->retryAfter);
    } else {
      res = impl_->api(req, call.auth);
    }
    call.status = res.status;
    impl_->calls.record(std::move(call));
    return res;
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

http::Response FakeVault::Impl::control(const http::Request& req) {
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return http::Response::json(400, json{{"error", "body is not JSON"}}.dump());
  try {
    if (req.path == "/_fake/calls" && req.method == "GET") {
      int64_t since = 0;
      for (const auto& [k, v] : http::parseQuery(req.query)) {
        if (k == "since") since = std::stoll(v);
      }
      return http::Response::json(200, calls.toJson(since).dump());
    }
    if (req.path == "/_fake/state" && req.method == "GET") {
      std::lock_guard lock(mutex);
      return http::Response::json(200, modelToJson(model).dump());
    }
    if (req.path == "/_fake/reset" && req.method == "POST") {
      Model fresh = modelFromSeed(body, clock.now());
      faults.clear();
      calls.clear();
      std::lock_guard lock(mutex);
      model = std::move(fresh);
      return http::Response::json(200, json{{"ok", true}}.dump());
    }
    if (req.path == "/_fake/fault" && req.method == "GET") return http::Response::json(200, faults.toJson().dump());
    if (req.path == "/_fake/fault" && req.method == "POST") {
      if (body.value("clear", false)) faults.clear();
      else faults.add(body);
      return http::Response::json(200, faults.toJson().dump());
    }
    if (req.path == "/_fake/seal" && req.method == "POST") {
      std::lock_guard lock(mutex);
      model.sealed = body.value("sealed", true);
      return http::Response::json(200, json{{"sealed", model.sealed}}.dump());
    }
    if (req.path == "/_fake/edit" && req.method == "POST") {
      std::lock_guard lock(mutex);
      std::string ns = normalizeNamespace(body.value("namespace", ""));
      std::string mount = body.value("mount", "secret");
      auto m = model.mounts.find({ns, mount});
      if (m == model.mounts.end()) return http::Response::json(404, json{{"error", "no such mount"}}.dump());
      json data = body.value("data", json::object());
      if (!data.is_object()) return http::Response::json(400, json{{"error", "data must be an object"}}.dump());
      Secret& s = model.secrets[{ns, mount, body.value("path", "")}];
      json merged = json::object();
      if (!body.value("replace", false) && s.versions.count(s.current)) merged = s.versions[s.current].data;
      merged.merge_patch(data);
      int v = addVersion(s, merged, clock.now(), m->second.maxVersions);
      return http::Response::json(200, json{{"version", v}}.dump());
    }
  } catch (const std::exception& e) {
    return http::Response::json(400, json{{"error", e.what()}}.dump());
  }
  return http::Response::json(404, json{{"error", "no such control route"}}.dump());
}

http::Response FakeVault::Impl::api(const http::Request& req, std::string& auth) {
  if (req.path.rfind("/v1/", 0) != 0) return errors(404, json::array());
  std::string rest = req.path.substr(4);
  // The HTTP layer checks PATCH's media type before anything else.
  if (req.method == "PATCH" && mediaType(req) != "application/merge-patch+json") {
    return error(415, "PATCH requires Content-Type of application/merge-patch+json, provided " + mediaType(req));
  }
  json body = json::object();
  if (!req.body.empty()) {
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return error(400, "error parsing JSON");
  }
  std::lock_guard lock(mutex);
  if (model.sealed) return error(503, "Vault is sealed");
  TimePoint now = clock.now();

  // Kubernetes auth: /v1/auth/<mount>/login, no token needed.
  if (rest.rfind("auth/", 0) == 0 && rest.size() > 11 && rest.substr(rest.size() - 6) == "/login" &&
      rest != "auth/token/login" && (req.method == "POST" || req.method == "PUT")) {
    return login(req, rest.substr(5, rest.size() - 11), body);
  }

  const std::string* tokenHeader = req.header("x-vault-token");
  std::string value = tokenHeader ? *tokenHeader : "";
  if (value.empty()) {
    if (const std::string* a = req.header("authorization"); a && a->rfind("Bearer ", 0) == 0) value = a->substr(7);
  }
  Token* token = nullptr;
  for (auto& t : model.tokens) {
    if (!value.empty() && t.value == value) token = &t;
  }
  if (!token) return error(403, kDenied);
  auth = token->name;
  if (token->expires && *token->expires <= now) return error(403, kDenied);
  const std::string* nsHeader = req.header("x-vault-namespace");
  std::string ns = normalizeNamespace(nsHeader ? *nsHeader : token->ns);
  // The request's namespace must be the token's or below it; policy paths are relative to the token's.
  std::string relPrefix;
  if (ns != token->ns) {
    if (!token->ns.empty() && ns.rfind(token->ns + "/", 0) != 0) return error(403, kDenied);
    relPrefix = (token->ns.empty() ? ns : ns.substr(token->ns.size() + 1)) + "/";
  }

  if (rest == "sys/capabilities-self" && (req.method == "POST" || req.method == "PUT")) {
    json paths = body.contains("paths") ? body["paths"] : body.contains("path") ? body["path"] : json();
    if (paths.is_string()) paths = json::array({paths});
    if (!paths.is_array() || paths.empty()) return error(400, "missing paths");
    json data = json::object();
    for (const auto& p : paths) {
      if (!p.is_string()) return error(400, "paths must be strings");
      data[p.get<std::string>()] = capabilitiesOf(model, token->policies, relPrefix + p.get<std::string>());
    }
    if (paths.size() == 1) data["capabilities"] = data[paths[0].get<std::string>()];
    json out = envelope(data, nullptr, "system");
    for (const auto& [k, v] : data.items()) out[k] = v;
    return http::Response::json(200, out.dump());
  }
  auto tokenAuth = [&](const Token& t) {
    int left = t.expires ? static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(*t.expires - now).count()) : 0;
    json policies = t.policies;
    return json{{"client_token", t.value}, {"accessor", ""}, {"policies", policies}, {"token_policies", policies},
                {"metadata", t.metadata}, {"lease_duration", left}, {"renewable", t.renewable},
                {"entity_id", ""}, {"token_type", "service"}, {"orphan", true}, {"mfa_requirement", nullptr},
                {"num_uses", 0}};
  };
  if (rest == "auth/token/renew-self" && (req.method == "POST" || req.method == "PUT")) {
    if (!token->renewable) return error(400, "lease is not renewable");
    token->expires = now + std::chrono::seconds(token->ttl);
    return http::Response::json(200, envelope(nullptr, tokenAuth(*token), "token").dump());
  }
  if (rest == "auth/token/lookup-self" && req.method == "GET") {
    json data = tokenAuth(*token);
    data["ttl"] = data["lease_duration"];
    data["namespace_path"] = token->ns.empty() ? "" : token->ns + "/";
    data.erase("client_token");
    data["id"] = token->value;
    return http::Response::json(200, envelope(data, nullptr, "token").dump());
  }
  return kv(req, *token, ns, relPrefix, rest, body);
}

http::Response FakeVault::Impl::login(const http::Request&, const std::string& mount, const json& body) {
  std::string roleName = body.value("role", ""), jwt = body.value("jwt", "");
  bool mountKnown = false;
  for (const auto& r : model.roles) mountKnown |= r.mount == mount;
  if (!mountKnown) return error(403, kDenied);
  if (roleName.empty()) return error(400, "missing role");
  if (jwt.empty()) return error(400, "missing jwt");
  const Role* role = nullptr;
  for (const auto& r : model.roles) {
    if (r.mount == mount && r.name == roleName) role = &r;
  }
  if (!role) return error(400, fmt::format("invalid role name \"{}\"", roleName));
  const ServiceAccount* sa = nullptr;
  for (const auto& a : model.serviceAccounts) {
    if (a.jwt == jwt) sa = &a;
  }
  if (!sa) return error(403, kDenied);   // the TokenReview does not confirm the JWT
  auto bound = [](const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), "*") != list.end() || std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!bound(role->boundNames, sa->name)) return error(403, "service account name not authorized");
  if (!bound(role->boundNamespaces, sa->ns)) return error(403, "namespace not authorized");
  Token t;
  t.name = "login:" + mount + "/" + roleName;
  t.value = "hvs." + randomHex(24);
  t.policies = role->policies;
  if (std::find(t.policies.begin(), t.policies.end(), "default") == t.policies.end()) t.policies.push_back("default");
  std::sort(t.policies.begin(), t.policies.end());
  t.ttl = role->ttl;
  t.renewable = true;
  t.expires = clock.now() + std::chrono::seconds(role->ttl);
  t.metadata = {{"role", roleName}, {"service_account_name", sa->name}, {"service_account_namespace", sa->ns},
                {"service_account_secret_name", ""}, {"service_account_uid", sa->uid}};
  model.tokens.push_back(t);
  json authJson{{"client_token", t.value}, {"accessor", randomHex(24)}, {"policies", t.policies},
                {"token_policies", t.policies}, {"metadata", t.metadata}, {"lease_duration", role->ttl},
                {"renewable", true}, {"entity_id", uuid()}, {"token_type", "service"}, {"orphan", true},
                {"mfa_requirement", nullptr}, {"num_uses", 0}};
  return http::Response::json(200, envelope(nullptr, authJson, "kubernetes").dump());
}

http::Response FakeVault::Impl::kv(const http::Request& req, const Token& token, const std::string& ns,
                                   const std::string& relPrefix, const std::string& rest, const json& body) {
  TimePoint now = clock.now();
  auto query = http::parseQuery(req.query);
  auto param = [&](const std::string& name) {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };
  bool list = req.method == "LIST" || (req.method == "GET" && param("list") == "true");
  std::string cap = list ? "list" : req.method == "GET" ? "read" : req.method == "PATCH" ? "patch"
                  : (req.method == "POST" || req.method == "PUT") ? "write" : "";
  if (cap.empty()) return errors(405, json::array());
  size_t slash = rest.find('/');
  std::string mountName = rest.substr(0, slash);
  std::string sub = slash == std::string::npos ? "" : rest.substr(slash + 1);
  std::string kind = sub.substr(0, sub.find('/'));
  std::string path = sub.find('/') == std::string::npos ? "" : sub.substr(sub.find('/') + 1);
  auto mount = model.mounts.find({ns, mountName});
  SecretKey key{ns, mountName, path};
  auto secret = model.secrets.find(key);
  bool exists = secret != model.secrets.end() && secret->second.current > 0;
  if (cap == "write") cap = exists ? "update" : "create";
  if (!allowed(token, relPrefix + rest, cap)) return error(403, kPolicyDenied);
  if (mount == model.mounts.end() || (kind != "data" && kind != "metadata") || (kind == "data" && list) ||
      (kind == "metadata" && !list)) {
    return error(404, fmt::format("no handler for route \"{}\". route entry not found.", rest));
  }

  if (list) {
    std::string prefix = path.empty() || path.back() == '/' ? path : path + "/";
    std::set<std::string> keys;
    for (const auto& [k, s] : model.secrets) {
      const auto& [kns, kmount, kpath] = k;
      if (kns != ns || kmount != mountName || kpath.rfind(prefix, 0) != 0 || s.current == 0) continue;
      std::string tail = kpath.substr(prefix.size());
      keys.insert(tail.find('/') == std::string::npos ? tail : tail.substr(0, tail.find('/') + 1));
    }
    if (keys.empty()) return errors(404, json::array());
    return http::Response::json(200, envelope(json{{"keys", keys}}).dump());
  }

  if (req.method == "GET") {
    if (!exists) return errors(404, json::array());
    const Secret& s = secret->second;
    int n = s.current;
    if (!param("version").empty() && param("version") != "0") n = std::stoi(param("version"));
    auto v = s.versions.find(n);
    if (v == s.versions.end()) return errors(404, json::array());
    json data{{"data", v->second.data}, {"metadata", versionMetadata(n, v->second)}};
    if (!live(v->second, now)) {
      data["data"] = nullptr;
      return http::Response::json(404, envelope(data).dump());
    }
    return http::Response::json(200, envelope(data).dump());
  }

  if (!body.contains("data") || body["data"].is_null()) return error(400, "no data provided");
  if (!body["data"].is_object()) return error(400, "error parsing JSON");
  if (req.method == "PATCH" && !exists) return errors(404, json::array());
  Secret& s = model.secrets[key];
  json options = body.value("options", json::object());
  if (options.is_object() && options.contains("cas")) {
    const json& cas = options["cas"];
    int c = -1;
    if (cas.is_number_integer()) c = cas.get<int>();
    else if (cas.is_string() && !cas.get<std::string>().empty() &&
             cas.get<std::string>().find_first_not_of("0123456789") == std::string::npos) c = std::stoi(cas.get<std::string>());
    else return error(400, "error parsing check-and-set parameter");
    if (c != s.current) {
      if (!exists) model.secrets.erase(key);
      return error(400, "check-and-set parameter did not match the current version");
    }
  } else if (mount->second.casRequired || s.casRequired) {
    if (!exists) model.secrets.erase(key);
    return error(400, "check-and-set parameter required for this call");
  }
  json data = body["data"];
  if (req.method == "PATCH") {
    auto cur = s.versions.find(s.current);
    if (cur == s.versions.end()) return errors(404, json::array());
    if (!live(cur->second, now)) {
      return http::Response::json(404, envelope(versionMetadata(s.current, cur->second)).dump());
    }
    json merged = cur->second.data;
    merged.merge_patch(data);
    data = merged;
  }
  int n = addVersion(s, data, now, mount->second.maxVersions);
  return http::Response::json(200, envelope(versionMetadata(n, s.versions[n])).dump());
}

}  // namespace patbot::fakes
