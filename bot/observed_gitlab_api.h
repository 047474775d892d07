// A GitLabApi decorator that remembers whether the last call succeeded, for /readyz, and when a
// token was last created or revoked through it (handlers::TokenWrites: the CachedInventory does
// not offer a scan older than that). Thread-safe; forwards every call and its answer unchanged.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "gitlab/forwarding_gitlab_api.h"
#include "handlers/token_writes.h"

namespace patbot {

class ObservedGitLabApi final : public gitlab::ForwardingGitLabApi, public handlers::TokenWrites {
 public:
  // `clock`, when given, must outlive this object; without it lastTokenWrite() stays nullopt.
  explicit ObservedGitLabApi(gitlab::GitLabApi& inner, const Clock* clock = nullptr)
      : ForwardingGitLabApi(inner), clock_(clock) {}

  // Every call but tokenSelf is noted: a tokenSelf failure says something about the checked
  // token, not about GitLab's health, so the base forwards it unobserved.
  Result<std::vector<gitlab::TokenOwner>> listServiceAccounts() override {
    return note(inner().listServiceAccounts());
  }
  Result<std::vector<gitlab::AccessToken>> listTokens(const gitlab::TokenOwner& a) override {
    return note(inner().listTokens(a));
  }
  Result<gitlab::Inventory> inventory() override { return note(inner().inventory()); }
  Result<gitlab::AccessToken> selfToken() override { return note(inner().selfToken()); }

  Result<gitlab::AccessToken> getToken(const gitlab::TokenOwner& owner, int64_t tokenId) override {
    return note(inner().getToken(owner, tokenId));
  }
  Result<gitlab::CreatedToken> createToken(const gitlab::TokenOwner& owner, const gitlab::TokenSpec& spec) override {
    auto r = note(inner().createToken(owner, spec));
    tokenWritten();
    return r;
  }
  Result<gitlab::CreatedToken> rotateToken(const gitlab::TokenOwner& owner, int64_t tokenId, Date expiresAt) override {
    auto r = note(inner().rotateToken(owner, tokenId, expiresAt));
    tokenWritten();
    return r;
  }
  Status revokeToken(const gitlab::TokenOwner& owner, int64_t tokenId) override {
    auto r = note(inner().revokeToken(owner, tokenId));
    tokenWritten();
    return r;
  }
  Result<gitlab::CiVariable> getVariable(const gitlab::VariableRef& ref) override {
    return note(inner().getVariable(ref));
  }
  Status updateVariable(const gitlab::VariableRef& ref, const Secret& value) override {
    return note(inner().updateVariable(ref, value));
  }
  Result<gitlab::Project> getProject(const std::string& project) override { return note(inner().getProject(project)); }
  Result<std::optional<gitlab::Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                         const std::string& status) override {
    return note(inner().latestPipeline(project, ref, status));
  }
  Result<gitlab::Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override {
    return note(inner().retryPipeline(project, pipelineId));
  }
  Result<gitlab::Pipeline> createPipeline(const std::string& project, const std::string& ref) override {
    return note(inner().createPipeline(project, ref));
  }
  Result<gitlab::Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override {
    return note(inner().getPipeline(project, pipelineId));
  }
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) override {
    return note(inner().addIssueNote(project, iid, body));
  }
  Status closeIssue(const std::string& project, int64_t iid) override { return note(inner().closeIssue(project, iid)); }
  Result<gitlab::Issue> createIssue(const std::string& project, const gitlab::IssueSpec& spec) override {
    return note(inner().createIssue(project, spec));
  }
  Result<std::vector<gitlab::Issue>> listIssues(const std::string& project, const gitlab::IssueQuery& query) override {
    return note(inner().listIssues(project, query));
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

  const Clock* clock_;
  mutable std::mutex mutex_;
  std::optional<TimePoint> lastTokenWrite_;
  std::string problem_ = "no GitLab call has completed yet";
};

}  // namespace patbot
