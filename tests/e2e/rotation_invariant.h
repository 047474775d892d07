// The crash invariant of SPEC §5.3, checked on the fake GitLab's state (GET /_fake/state): for the
// tokens of one name, at least one is active, no CI/CD variable holds a revoked one while an
// active one exists, and one request created at most one token. Shared by the crash, fault and
// chaos end-to-end tests. Messages name token ids and variable keys, never a token value.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace patbot::e2e {

struct InvariantCheck {
  int named = 0;                       // tokens of the name, revoked ones included
  int active = 0;                      // of which not revoked
  std::vector<int64_t> created;        // ids not in idsBefore
  std::vector<int64_t> activeIds;
  std::vector<std::string> violations; // empty when the invariant holds

  bool holds() const { return violations.empty(); }
  std::string describe() const;
};

// `idsBefore`: the ids of the name before the request(s) under test; more than `maxCreated` new
// ids is a violation (a token created twice).
InvariantCheck checkRotationInvariant(const nlohmann::json& state, const std::string& tokenName,
                                      const std::set<int64_t>& idsBefore, int maxCreated = 1);

}  // namespace patbot::e2e
