// SimulatedGitLab: sim's FakeGitLab in process, seeded, behind a FakeGitLabTransport, and a
// RestGitLabApi client of it — a GitLab with real behaviour (tokens, variables, pipelines,
// issues) for tests, without sockets — plus reads of the fake's state for assertions.
// The client: base URL http://gitlab.test, instance mode with the seed's admin token, waits on
// the test's clock (a retry takes no real time); `adjust` may change any of it. The fake runs on
// the same clock (settable through POST /_fake/clock). Owns the fake, transport and client;
// borrows the clock, which must outlive it. Thread-safe as its parts are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "gitlab/rest_gitlab_api.h"
#include "sim/fake_gitlab.h"
#include "tests/support/fake_gitlab_transport.h"

namespace patbot::testing {

class SimulatedGitLab {
 public:
  // Changes the client's options; gets the seed (for a token of it).
  using Adjust = std::function<void(gitlab::RestGitLabOptions&, const nlohmann::json& seed)>;

  SimulatedGitLab(FakeClock& clock, nlohmann::json seed, const Adjust& adjust = {});
  SimulatedGitLab(const SimulatedGitLab&) = delete;
  SimulatedGitLab& operator=(const SimulatedGitLab&) = delete;

  gitlab::RestGitLabApi& api() { return api_; }
  FakeGitLabTransport& transport() { return transport_; }
  fakes::FakeGitLab& fake() { return fake_; }
  const nlohmann::json& seed() const { return seed_; }
  // Another client of the same fake: the defaults above, then `adjust`.
  std::unique_ptr<gitlab::RestGitLabApi> newClient(const Adjust& adjust);

  // The fake's state, in seed format (token values included: compare them, never print them).
  nlohmann::json state() const { return fake_.state(); }
  // The token with `id`; null when there is none.
  nlohmann::json token(int64_t id) const;
  // How many unrevoked tokens are called `name`.
  int activeTokensNamed(const std::string& name) const;
  // The value of the first project variable, else group variable, called `key`; "" when none.
  std::string variableValue(const std::string& key) const;
  // Issue `iid` of the project at `projectPath`; null when there is none.
  nlohmann::json issue(const std::string& projectPath, int64_t iid) const;
  // The /api/v4 calls the fake answered with `method` whose path contains `pathPart`.
  int calls(const std::string& method, const std::string& pathPart);

 private:
  nlohmann::json seed_;
  FakeClock& clock_;
  fakes::FakeGitLab fake_;
  FakeGitLabTransport transport_;
  gitlab::RestGitLabApi api_;
};

}  // namespace patbot::testing
