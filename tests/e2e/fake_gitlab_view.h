// The fake GitLab of an E2eStack seen and steered through its /_fake endpoints (tests/fakes), and
// readers of its state JSON (GET /_fake/state: tokens, projects and groups with their variables).
// Unreadable answers read as empty: a test then fails on what it expected, not on a parse error.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {

// GET /_fake/state.
nlohmann::json fakeGitLabState(E2eStack& stack);
// GitLab calls logged by the fake after `sinceSeq` (an array, empty when unreadable).
nlohmann::json fakeGitLabCalls(E2eStack& stack, int64_t sinceSeq = 0);
int64_t lastCallSeq(const nlohmann::json& calls);
// Calls the fake holds unanswered (a "hang" fault); -1 when the fake does not answer.
int heldGitLabCalls(E2eStack& stack);
// POST /_fake/faults (an empty object clears every fault and releases held calls); the status.
int setGitLabFaults(E2eStack& stack, const nlohmann::json& faults);
// POST /_fake/reset: the fake starts over from `seed`; the status.
int resetGitLab(E2eStack& stack, const nlohmann::json& seed);

// Token creates GitLab carried out (2xx) among `calls`, dropped answers included; only POSTs to
// `path` when it is given (one account's create route).
int tokenCreates(const nlohmann::json& calls, const std::string& path = "");

// The token with this id, or null.
nlohmann::json tokenById(const nlohmann::json& state, int64_t id);
// The ids of every token named `tokenName`.
std::set<int64_t> tokenIdsNamed(const nlohmann::json& state, const std::string& tokenName);
// The tokens named `tokenName` that are not revoked.
std::vector<nlohmann::json> activeTokensNamed(const nlohmann::json& state, const std::string& tokenName);
// The id of the token whose value the project `projectPath` holds in variable `key` (0 if none).
int64_t tokenHeldBy(const nlohmann::json& state, const std::string& projectPath, const std::string& key);

// A CI/CD variable as the fake's seed holds one: masked, not protected, every environment.
nlohmann::json ciVariable(const std::string& key, const std::string& value);
// The seed with the inventory project's verify pipeline reading kBrokenVerifyKey, a variable no
// rotation updates that holds no token: verification fails until the pipeline is repaired.
inline constexpr const char* kBrokenVerifyKey = "BROKEN_TOKEN";
void breakVerifyPipeline(nlohmann::json& seed);

}  // namespace patbot::e2e
