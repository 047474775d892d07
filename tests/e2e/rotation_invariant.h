// The crash invariant of SPEC §5.3, checked on the fake GitLab's state (GET /_fake/state): for the
// tokens of one name, at least one is active, no CI/CD variable holds a revoked one while an
// active one exists, and one request created at most one token. Shared by the crash, fault and
// chaos end-to-end tests. Messages name token ids and variable keys, never a token value.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {

struct InvariantCheck {
  int named = 0;                       // tokens of the name, revoked ones included
  int active = 0;                      // of which not revoked
  std::vector<int64_t> created;        // ids not in idsBefore
  std::vector<int64_t> activeIds;
  std::vector<std::string> violations; // empty when the invariant holds

  bool holds() const { return violations.empty(); }
  std::string describe() const {
    std::string out = fmt::format("{} token(s) of the name, active {}, created {}", named, fmt::join(activeIds, ","),
                                  fmt::join(created, ","));
    for (const auto& v : violations) out += "\n  violation: " + v;
    return out;
  }
};

// `idsBefore`: the ids of the name before the request(s) under test; more than `maxCreated` new
// ids is a violation (a token created twice).
inline InvariantCheck checkRotationInvariant(const nlohmann::json& state, const std::string& tokenName,
                                             const std::set<int64_t>& idsBefore, int maxCreated = 1) {
  InvariantCheck c;
  std::map<std::string, std::pair<int64_t, bool>> byValue;   // value -> (id, active)
  for (const auto& t : state.value("tokens", nlohmann::json::array())) {
    if (t.value("name", "") != tokenName) continue;
    ++c.named;
    int64_t id = t.value("id", int64_t{0});
    bool isActive = !t.value("revoked", false);
    if (isActive) {
      ++c.active;
      c.activeIds.push_back(id);
    }
    if (!idsBefore.count(id)) c.created.push_back(id);
    if (t.contains("value") && t["value"].is_string()) byValue[t["value"].get<std::string>()] = {id, isActive};
  }
  if (c.active == 0) c.violations.push_back("no active token of the name is left");
  if (static_cast<int>(c.created.size()) > maxCreated) {
    c.violations.push_back(fmt::format("{} tokens were created (ids {}), at most {} expected", c.created.size(),
                                       fmt::join(c.created, ","), maxCreated));
  }
  auto check = [&](const std::string& owner, const nlohmann::json& v) {
    if (!v.contains("value") || !v["value"].is_string()) return;
    auto it = byValue.find(v["value"].get<std::string>());
    if (it == byValue.end() || it->second.second || c.active == 0) return;
    c.violations.push_back(fmt::format("variable {} of {} holds revoked token {} while {} is active",
                                       v.value("key", "?"), owner, it->second.first, fmt::join(c.activeIds, ",")));
  };
  for (const auto& p : state.value("projects", nlohmann::json::array())) {
    for (const auto& v : p.value("variables", nlohmann::json::array())) check("project " + p.value("path", "?"), v);
  }
  for (const auto& g : state.value("groups", nlohmann::json::array())) {
    for (const auto& v : g.value("variables", nlohmann::json::array())) check("group " + g.value("path", "?"), v);
  }
  return c;
}

// The ids of every token named `tokenName`.
inline std::set<int64_t> tokenIdsNamed(const nlohmann::json& state, const std::string& tokenName) {
  std::set<int64_t> ids;
  for (const auto& t : state.value("tokens", nlohmann::json::array())) {
    if (t.value("name", "") == tokenName) ids.insert(t.value("id", int64_t{0}));
  }
  return ids;
}

// The id of the token whose value the project `projectPath` holds in variable `key` (0 if none).
inline int64_t tokenHeldBy(const nlohmann::json& state, const std::string& projectPath, const std::string& key) {
  std::string value;
  for (const auto& p : state.value("projects", nlohmann::json::array())) {
    if (p.value("path", "") != projectPath) continue;
    for (const auto& v : p.value("variables", nlohmann::json::array())) {
      if (v.value("key", "") == key && v["value"].is_string()) value = v["value"].get<std::string>();
    }
  }
  for (const auto& t : state.value("tokens", nlohmann::json::array())) {
    if (!value.empty() && t.value("value", "") == value) return t.value("id", int64_t{0});
  }
  return 0;
}

inline nlohmann::json fakeGitLabState(E2eStack& stack) {
  return nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body, nullptr, false);
}

// GitLab calls logged by the fake after `sinceSeq`.
inline nlohmann::json fakeGitLabCalls(E2eStack& stack, int64_t sinceSeq = 0) {
  auto calls = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/calls?since=" + std::to_string(sinceSeq)).body,
                                     nullptr, false);
  return calls.is_array() ? calls : nlohmann::json::array();
}

inline int64_t lastCallSeq(const nlohmann::json& calls) {
  return calls.empty() ? 0 : calls.back().value("seq", int64_t{0});
}

// Token creates GitLab carried out (2xx) among `calls`, dropped answers included; only POSTs to
// `path` when it is given (one account's create route).
inline int tokenCreates(const nlohmann::json& calls, const std::string& path = "") {
  int n = 0;
  for (const auto& c : calls) {
    std::string p = c.value("path", "");
    int status = c.value("status", 0);
    bool create = c.value("method", "") == "POST" && (path.empty() ? p.size() > 23 &&
                  p.compare(p.size() - 23, 23, "/personal_access_tokens") == 0 : p == path);
    if (create && status >= 200 && status < 300) ++n;
  }
  return n;
}

}  // namespace patbot::e2e
