#include "tests/e2e/rotation_invariant.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace patbot::e2e {

std::string InvariantCheck::describe() const {
  std::string out = fmt::format("{} token(s) of the name, active {}, created {}", named, fmt::join(activeIds, ","),
                                fmt::join(created, ","));
  for (const auto& v : violations) out += "\n  violation: " + v;
  return out;
}

InvariantCheck checkRotationInvariant(const nlohmann::json& state, const std::string& tokenName,
                                      const std::set<int64_t>& idsBefore, int maxCreated) {
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

}  // namespace patbot::e2e
