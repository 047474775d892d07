// A GitLabApi decorator that remembers whether the last call succeeded, for /readyz.
// Thread-safe; forwards every call unchanged.
#pragma once

#include <mutex>
#include <string>

#include "gitlab/gitlab_api.h"

namespace patbot {

class ObservedGitLabApi final : public gitlab::GitLabApi {
 public:
  explicit ObservedGitLabApi(gitlab::GitLabApi& inner) : inner_(inner) {}

  Result<std::vector<gitlab::ServiceAccount>> listServiceAccounts() override { return note(inner_.listServiceAccounts()); }
  Result<std::vector<gitlab::AccessToken>> listTokens(const gitlab::ServiceAccount& a) override {
    return note(inner_.listTokens(a));
  }
  Result<gitlab::Inventory> inventory() override { return note(inner_.inventory()); }
  Result<gitlab::AccessToken> selfToken() override { return note(inner_.selfToken()); }
  // A failure here says something about the checked token, not about GitLab's health.
  Result<gitlab::AccessToken> tokenSelf(const Secret& token) override { return inner_.tokenSelf(token); }

  // "" when the last call succeeded; otherwise why it did not (or that none was made yet).
  std::string problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
  }

 private:
  template <typename T>
  Result<T> note(Result<T> r) {
    std::lock_guard lock(mutex_);
    problem_ = r ? "" : "last GitLab call failed: " + r.error().message;
    return r;
  }

  gitlab::GitLabApi& inner_;
  mutable std::mutex mutex_;
  std::string problem_ = "no GitLab call has completed yet";
};

}  // namespace patbot
