// FakeGitLabTransport: an http::Transport that answers in process from sim's FakeGitLab, so that
// RestGitLabApi meets the simulated GitLab without sockets. The request is handed over as the
// HTTP server would (path percent-decoded, query kept raw, header names lower-cased, a Host
// header added). A test may answer or fail any request itself through `intercept`.
// Thread-safe as FakeGitLab::handle is, except `intercept`: set it while no request is in flight.
// Borrows the fake, which must outlive it.
#pragma once

#include <functional>
#include <optional>

#include "http/http_types.h"
#include "sim/fake_gitlab.h"

namespace patbot::testing {

class FakeGitLabTransport final : public http::Transport {
 public:
  // Sees every request first: an answer (or transport Error) it returns is sent back as it is;
  // nullopt hands the request on to the fake. Empty: every request goes to the fake.
  using Intercept = std::function<std::optional<Result<http::ClientResponse>>(const http::ClientRequest&)>;

  explicit FakeGitLabTransport(fakes::FakeGitLab& fake) : fake_(fake) {}

  Result<http::ClientResponse> send(const http::ClientRequest& request) override;
  // The fake's answer to `request`, past `intercept` (for intercepts that alter the real answer).
  Result<http::ClientResponse> forward(const http::ClientRequest& request);

  Intercept intercept;

 private:
  fakes::FakeGitLab& fake_;
};

}  // namespace patbot::testing
