#include "sim/fake_vault_model.h"

#include <algorithm>
#include <stdexcept>

#include "core/time_format.h"

namespace patbot::fakes::vault {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key, const std::string& dflt = "") {
  if (!j.contains(key) || j[key].is_null()) return dflt;
  if (!j[key].is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return j[key].get<std::string>();
}

int integer(const json& j, const char* key, int dflt) {
  if (!j.contains(key) || j[key].is_null()) return dflt;
  if (!j[key].is_number_integer()) throw std::invalid_argument(std::string(key) + " must be an integer");
  return j[key].get<int>();
}

bool boolean(const json& j, const char* key, bool dflt) {
  if (!j.contains(key) || j[key].is_null()) return dflt;
  if (!j[key].is_boolean()) throw std::invalid_argument(std::string(key) + " must be a boolean");
  return j[key].get<bool>();
}

std::vector<std::string> strings(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_array()) throw std::invalid_argument(std::string(key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& s : j[key]) {
    if (!s.is_string()) throw std::invalid_argument(std::string(key) + " must be an array of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::optional<TimePoint> time(const json& j, const char* key) {
  std::string text = str(j, key);
  if (text.empty()) return std::nullopt;
  auto t = parseTimestamp(text);
  if (!t) throw std::invalid_argument(std::string(key) + " is not an RFC 3339 time: " + text);
  return t;
}

std::string timeText(const std::optional<TimePoint>& t) { return t ? formatTimestamp(*t) : ""; }

// How well `pattern` (a policy path) matches `path`: -1 = no match, else a rank where an exact
// match beats any glob and a longer glob beats a shorter one.
int matchRank(const std::string& pattern, const std::string& path) {
  bool prefix = !pattern.empty() && pattern.back() == '*';
  std::string p = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
  size_t i = 0, k = 0;
  while (i < p.size()) {
    if (p[i] == '+') {
      if (k < path.size() && path[k] == '/') return -1;   // `+` needs a non-empty segment
      size_t end = path.find('/', k);
      if (end == std::string::npos) end = path.size();
      if (end == k) return -1;
      k = end;
      ++i;
      continue;
    }
    if (k >= path.size() || p[i] != path[k]) return -1;
    ++i;
    ++k;
  }
  if (prefix) return static_cast<int>(p.size());
  if (k != path.size()) return -1;
  return 1 << 20;
}

}  // namespace

std::string normalizeNamespace(std::string ns) {
  while (!ns.empty() && ns.front() == '/') ns.erase(ns.begin());
  while (!ns.empty() && ns.back() == '/') ns.pop_back();
  return ns;
}

int addVersion(Secret& s, json data, TimePoint now, int maxVersions) {
  int v = ++s.current;
  s.versions[v] = Version{std::move(data), now, std::nullopt, false};
  while (maxVersions > 0 && static_cast<int>(s.versions.size()) > maxVersions) s.versions.erase(s.versions.begin());
  return v;
}

Model modelFromSeed(const json& seed, TimePoint now) {
  if (!seed.is_object()) throw std::invalid_argument("the seed is a JSON object");
  Model m;
  m.sealed = boolean(seed, "sealed", false);
  for (const auto& j : seed.value("mounts", json::array())) {
    std::string path = str(j, "path");
    if (path.empty() || path.find('/') != std::string::npos) throw std::invalid_argument("a mount path is one segment");
    m.mounts[{normalizeNamespace(str(j, "namespace")), path}] =
        Mount{boolean(j, "cas_required", false), integer(j, "max_versions", 10)};
  }
  for (const auto& j : seed.value("secrets", json::array())) {
    SecretKey key{normalizeNamespace(str(j, "namespace")), str(j, "mount", "secret"), str(j, "path")};
    if (std::get<2>(key).empty()) throw std::invalid_argument("a secret needs a path");
    if (!m.mounts.count({std::get<0>(key), std::get<1>(key)})) {
      throw std::invalid_argument("secret " + std::get<2>(key) + " names an unknown mount " + std::get<1>(key));
    }
    Secret s;
    s.casRequired = boolean(j, "cas_required", false);
    json versions = j.contains("versions") ? j["versions"] : json::array({{{"data", j.value("data", json::object())}}});
    for (const auto& v : versions) {
      json data = v.value("data", json::object());
      if (!data.is_object()) throw std::invalid_argument("a version's data is an object");
      int n = integer(v, "version", s.current + 1);
      if (n <= s.current) throw std::invalid_argument("versions must increase");
      s.current = n;
      s.versions[n] = Version{data, time(v, "created_time").value_or(now), time(v, "deletion_time"),
                              boolean(v, "destroyed", false)};
    }
    m.secrets[key] = std::move(s);
  }
  const json policies = seed.value("policies", json::object());
  for (const auto& [name, rules] : policies.items()) {
    Policy p;
    for (const auto& [path, caps] : rules.items()) {
      json holder{{"c", caps}};
      p[path] = strings(holder, "c");
    }
    m.policies[name] = std::move(p);
  }
  int n = 0;
  for (const auto& j : seed.value("tokens", json::array())) {
    Token t;
    t.value = str(j, "token");
    if (t.value.empty()) throw std::invalid_argument("a token needs a value");
    t.name = str(j, "name", "token-" + std::to_string(++n));
    t.ns = normalizeNamespace(str(j, "namespace"));
    t.policies = strings(j, "policies");
    t.expires = time(j, "expires_at");
    t.ttl = integer(j, "ttl", 0);
    t.renewable = boolean(j, "renewable", false);
    t.metadata = j.value("metadata", json());
    m.tokens.push_back(std::move(t));
  }
  json k8s = seed.value("kubernetes", json::object());
  for (const auto& j : k8s.value("service_accounts", json::array())) {
    m.serviceAccounts.push_back({str(j, "jwt"), str(j, "name"), str(j, "namespace"), str(j, "uid", "uid-" + str(j, "name"))});
  }
  for (const auto& j : k8s.value("roles", json::array())) {
    Role r;
    r.mount = str(j, "mount", "kubernetes");
    r.name = str(j, "name");
    r.boundNames = strings(j, "bound_service_account_names");
    r.boundNamespaces = strings(j, "bound_service_account_namespaces");
    r.policies = strings(j, "policies");
    r.ttl = integer(j, "ttl", 3600);
    m.roles.push_back(std::move(r));
  }
  return m;
}

json modelToJson(const Model& m) {
  json mounts = json::array(), secrets = json::array(), policies = json::object(), tokens = json::array();
  for (const auto& [key, mount] : m.mounts) {
    mounts.push_back({{"namespace", key.first}, {"path", key.second}, {"cas_required", mount.casRequired},
                      {"max_versions", mount.maxVersions}});
  }
  for (const auto& [key, s] : m.secrets) {
    json versions = json::array();
    for (const auto& [n, v] : s.versions) {
      versions.push_back({{"version", n}, {"data", v.data}, {"created_time", formatTimestamp(v.created)},
                          {"deletion_time", timeText(v.deleted)}, {"destroyed", v.destroyed}});
    }
    secrets.push_back({{"namespace", std::get<0>(key)}, {"mount", std::get<1>(key)}, {"path", std::get<2>(key)},
                       {"cas_required", s.casRequired}, {"current_version", s.current}, {"versions", versions}});
  }
  for (const auto& [name, p] : m.policies) policies[name] = p;
  for (const auto& t : m.tokens) {
    tokens.push_back({{"name", t.name}, {"token", t.value}, {"namespace", t.ns}, {"policies", t.policies},
                      {"expires_at", t.expires ? json(formatTimestamp(*t.expires)) : json()},
                      {"ttl", t.ttl}, {"renewable", t.renewable}, {"metadata", t.metadata}});
  }
  json accounts = json::array(), roles = json::array();
  for (const auto& a : m.serviceAccounts) {
    accounts.push_back({{"jwt", a.jwt}, {"name", a.name}, {"namespace", a.ns}, {"uid", a.uid}});
  }
  for (const auto& r : m.roles) {
    roles.push_back({{"mount", r.mount}, {"name", r.name}, {"bound_service_account_names", r.boundNames},
                     {"bound_service_account_namespaces", r.boundNamespaces}, {"policies", r.policies},
                     {"ttl", r.ttl}});
  }
  return {{"sealed", m.sealed}, {"mounts", mounts}, {"secrets", secrets}, {"policies", policies},
          {"tokens", tokens}, {"kubernetes", {{"service_accounts", accounts}, {"roles", roles}}}};
}

std::vector<std::string> capabilitiesOf(const Model& m, const std::vector<std::string>& policies,
                                        const std::string& path) {
  std::set<std::string> caps;
  bool deny = false;
  for (const auto& name : policies) {
    if (name == "root") return {"root"};
    auto it = m.policies.find(name);
    if (it == m.policies.end()) continue;
    int best = -1;
    const std::vector<std::string>* chosen = nullptr;
    for (const auto& [pattern, c] : it->second) {
      int rank = matchRank(pattern, path);
      if (rank > best) {
        best = rank;
        chosen = &c;
      }
    }
    if (!chosen) continue;
    for (const auto& c : *chosen) {
      if (c == "deny") deny = true;
      caps.insert(c);
    }
  }
  if (deny || caps.empty()) return {"deny"};
  return {caps.begin(), caps.end()};
}

}  // namespace patbot::fakes::vault
