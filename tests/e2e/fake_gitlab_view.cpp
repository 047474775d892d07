#include "tests/e2e/fake_gitlab_view.h"

#include "tests/e2e/e2e_policy.h"

namespace patbot::e2e {

using nlohmann::json;

json fakeGitLabState(E2eStack& stack) {
  return json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body, nullptr, false);
}

json fakeGitLabCalls(E2eStack& stack, int64_t sinceSeq) {
  auto calls = json::parse(stack.get(stack.gitlabUrl + "/_fake/calls?since=" + std::to_string(sinceSeq)).body,
                           nullptr, false);
  return calls.is_array() ? calls : json::array();
}

int64_t lastCallSeq(const json& calls) { return calls.empty() ? 0 : calls.back().value("seq", int64_t{0}); }

int heldGitLabCalls(E2eStack& stack) {
  auto r = stack.get(stack.gitlabUrl + "/_fake/faults");
  auto faults = json::parse(r.body, nullptr, false);
  return r.status == 200 && faults.is_object() ? faults.value("held", 0) : -1;
}

int setGitLabFaults(E2eStack& stack, const json& faults) {
  return stack.post(stack.gitlabUrl + "/_fake/faults", faults.dump()).status;
}

int resetGitLab(E2eStack& stack, const json& seed) {
  return stack.post(stack.gitlabUrl + "/_fake/reset", seed.dump()).status;
}

int tokenCreates(const json& calls, const std::string& path) {
  const std::string tail = "/personal_access_tokens";
  int n = 0;
  for (const auto& c : calls) {
    std::string p = c.value("path", "");
    int status = c.value("status", 0);
    bool toCreateRoute = path.empty() ? p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0
                                      : p == path;
    if (c.value("method", "") == "POST" && toCreateRoute && status >= 200 && status < 300) ++n;
  }
  return n;
}

json tokenById(const json& state, int64_t id) {
  for (const auto& t : state.value("tokens", json::array())) {
    if (t.value("id", int64_t{0}) == id) return t;
  }
  return nullptr;
}

std::set<int64_t> tokenIdsNamed(const json& state, const std::string& tokenName) {
  std::set<int64_t> ids;
  for (const auto& t : state.value("tokens", json::array())) {
    if (t.value("name", "") == tokenName) ids.insert(t.value("id", int64_t{0}));
  }
  return ids;
}

std::vector<json> activeTokensNamed(const json& state, const std::string& tokenName) {
  std::vector<json> out;
  for (const auto& t : state.value("tokens", json::array())) {
    if (t.value("name", "") == tokenName && !t.value("revoked", false)) out.push_back(t);
  }
  return out;
}

int64_t tokenHeldBy(const json& state, const std::string& projectPath, const std::string& key) {
  std::string value;
  for (const auto& p : state.value("projects", json::array())) {
    if (p.value("path", "") != projectPath) continue;
    for (const auto& v : p.value("variables", json::array())) {
      if (v.value("key", "") == key && v["value"].is_string()) value = v["value"].get<std::string>();
    }
  }
  for (const auto& t : state.value("tokens", json::array())) {
    if (!value.empty() && t.value("value", "") == value) return t.value("id", int64_t{0});
  }
  return 0;
}

json ciVariable(const std::string& key, const std::string& value) {
  return {{"key", key},          {"value", value},           {"masked", true},
          {"protected", false},  {"raw", false},             {"environment_scope", "*"},
          {"variable_type", "env_var"}, {"hidden", false}};
}

void breakVerifyPipeline(json& seed) {
  for (auto& p : seed["projects"]) {
    if (p["path"] != kInventoryProject) continue;
    p["variables"].push_back(ciVariable(kBrokenVerifyKey, "glpat-not-a-real-token-000"));
    p["verify_variable"] = kBrokenVerifyKey;
  }
}

}  // namespace patbot::e2e
