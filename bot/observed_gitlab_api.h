// A GitLabApi decorator that remembers whether the last call succeeded, for /readyz, and when a
// token was last created or revoked through it (handlers::TokenWrites: the CachedInventory does
// not offer a scan older than that). Thread-safe; forwards every call unchanged.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "gitlab/gitlab_api.h"
#include "handlers/token_writes.h"

namespace patbot {

class ObservedGitLabApi final : public gitlab::GitLabApi, public handlers::TokenWrites {
 public:
  // `clock`, when given, must outlive this object; without it lastTokenWrite() stays nullopt.
  explicit ObservedGitLabApi(gitlab::GitLabApi& inner, const Clock* clock = nullptr) : inner_(inner), clock_(clock) {}

  Result<std::vector<gitlab::ServiceAccount>> listServiceAccounts() override { return note(inner_.listServiceAccounts()); }
  Result<std::vector<gitlab::AccessToken>> listTokens(const gitlab::ServiceAccount& a) override {
    return note(inner_.listTokens(a));
  }
  Result<gitlab::Inventory> inventory() override { return note(inner_.inventory()); }
  Result<gitlab::AccessToken> selfToken() override { return note(inner_.selfToken()); }
  // A failure here says something about the checked token, not about GitLab's health.
  Result<gitlab::AccessToken> tokenSelf(const Secret& token) override { return inner_.tokenSelf(token); }

  Result<gitlab::AccessToken> getToken(const gitlab::ServiceAccount& owner, int64_t tokenId) override {
    return note(inner_.getToken(owner, tokenId));
  }
  Result<gitlab::CreatedToken> createToken(const gitlab::ServiceAccount& owner, const gitlab::TokenSpec& spec) override {
    auto r = note(inner_.createToken(owner, spec));
    tokenWritten();
    return r;
  }
  Status revokeToken(const gitlab::ServiceAccount& owner, int64_t tokenId) override {
    auto r = note(inner_.revokeToken(owner, tokenId));
    tokenWritten();
    return r;
  }
  Result<gitlab::CiVariable> getVariable(const gitlab::VariableRef& ref) override { return note(inner_.getVariable(ref)); }
  Status updateVariable(const gitlab::VariableRef& ref, const Secret& value) override {
    return note(inner_.updateVariable(ref, value));
  }
  Result<gitlab::Project> getProject(const std::string& project) override { return note(inner_.getProject(project)); }
  Result<std::optional<gitlab::Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                         const std::string& status) override {
    return note(inner_.latestPipeline(project, ref, status));
  }
  Result<gitlab::Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override {
    return note(inner_.retryPipeline(project, pipelineId));
  }
  Result<gitlab::Pipeline> createPipeline(const std::string& project, const std::string& ref) override {
    return note(inner_.createPipeline(project, ref));
  }
  Result<gitlab::Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override {
    return note(inner_.getPipeline(project, pipelineId));
  }
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) override {
    return note(inner_.addIssueNote(project, iid, body));
  }
  Status closeIssue(const std::string& project, int64_t iid) override { return note(inner_.closeIssue(project, iid)); }
  Result<gitlab::Issue> createIssue(const std::string& project, const gitlab::IssueSpec& spec) override {
    return note(inner_.createIssue(project, spec));
  }
  Result<std::vector<gitlab::Issue>> listIssues(const std::string& project, const gitlab::IssueQuery& query) override {
    return note(inner_.listIssues(project, query));
  }

  // When createToken or revokeToken last returned (whatever the outcome); nullopt when never.
  std::optional<TimePoint> lastTokenWrite() const override {
    std::lock_guard lock(mutex_);
    return lastTokenWrite_;
  }

  // "" when the last call succeeded; otherwise why it did not (or that none was made yet).
  std::string problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
  }

 private:
  template <typename T>
  Result<T> note(Result<T> r) {
    std::lock_guard lock(mutex_);
    // An answer such as 404 or 409 shows GitLab is reachable and accepts the token; only failures
    // that say otherwise make patbot unready.
    bool unhealthy = !r && (r.error().kind == ErrorKind::kUnavailable || r.error().kind == ErrorKind::kTimeout ||
                            r.error().kind == ErrorKind::kUnauthorized || r.error().kind == ErrorKind::kRateLimited);
    problem_ = unhealthy ? "last GitLab call failed: " + r.error().message : "";
    return r;
  }

  void tokenWritten() {
    if (!clock_) return;
    std::lock_guard lock(mutex_);
    lastTokenWrite_ = clock_->now();
  }

  gitlab::GitLabApi& inner_;
  const Clock* clock_;
  mutable std::mutex mutex_;
  std::optional<TimePoint> lastTokenWrite_;
  std::string problem_ = "no GitLab call has completed yet";
};

}  // namespace patbot
