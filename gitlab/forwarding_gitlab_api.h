// ForwardingGitLabApi: a GitLabApi that passes every call, its arguments and its answer through to
// another GitLabApi unchanged. The base of GitLab decorators: a decorator overrides only the calls
// it observes or alters and calls ForwardingGitLabApi::<method> (or inner()) for the real answer.
// Borrows `inner`, which must outlive it; as thread-safe as `inner` (it keeps no state of its own).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "gitlab/gitlab_api.h"

namespace patbot::gitlab {

class ForwardingGitLabApi : public GitLabApi {
 public:
  explicit ForwardingGitLabApi(GitLabApi& inner) : inner_(inner) {}

  Result<std::vector<TokenOwner>> listServiceAccounts() override { return inner_.listServiceAccounts(); }
  Result<std::vector<AccessToken>> listTokens(const TokenOwner& account) override {
    return inner_.listTokens(account);
  }
  Result<Inventory> inventory() override { return inner_.inventory(); }
  Result<AccessToken> selfToken() override { return inner_.selfToken(); }
  Result<AccessToken> tokenSelf(const Secret& token) override { return inner_.tokenSelf(token); }

  Result<AccessToken> getToken(const TokenOwner& owner, int64_t tokenId) override {
    return inner_.getToken(owner, tokenId);
  }
  Result<CreatedToken> createToken(const TokenOwner& owner, const TokenSpec& spec) override {
    return inner_.createToken(owner, spec);
  }
  Status revokeToken(const TokenOwner& owner, int64_t tokenId) override {
    return inner_.revokeToken(owner, tokenId);
  }
  Result<CreatedToken> rotateToken(const TokenOwner& owner, int64_t tokenId, Date expiresAt) override {
    return inner_.rotateToken(owner, tokenId, expiresAt);
  }
  Result<TokenOwner> getResource(TokenKind kind, const std::string& idOrPath) override {
    return inner_.getResource(kind, idOrPath);
  }
  Result<CallerAccess> callerAccess(const TokenOwner& resource) override { return inner_.callerAccess(resource); }
  Result<std::vector<BotUserTie>> botUserTies(const TokenOwner& resource, int64_t botUserId) override {
    return inner_.botUserTies(resource, botUserId);
  }
  Result<CiVariable> getVariable(const VariableRef& ref) override { return inner_.getVariable(ref); }
  Status updateVariable(const VariableRef& ref, const Secret& value) override {
    return inner_.updateVariable(ref, value);
  }
  Result<Project> getProject(const std::string& project) override { return inner_.getProject(project); }
  Result<std::optional<Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                 const std::string& status) override {
    return inner_.latestPipeline(project, ref, status);
  }
  Result<Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override {
    return inner_.retryPipeline(project, pipelineId);
  }
  Result<Pipeline> createPipeline(const std::string& project, const std::string& ref) override {
    return inner_.createPipeline(project, ref);
  }
  Result<Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override {
    return inner_.getPipeline(project, pipelineId);
  }
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) override {
    return inner_.addIssueNote(project, iid, body);
  }
  Status closeIssue(const std::string& project, int64_t iid) override { return inner_.closeIssue(project, iid); }

  Result<Issue> createIssue(const std::string& project, const IssueSpec& spec) override {
    return inner_.createIssue(project, spec);
  }
  Result<std::vector<Issue>> listIssues(const std::string& project, const IssueQuery& query) override {
    return inner_.listIssues(project, query);
  }

 protected:
  GitLabApi& inner() const { return inner_; }

 private:
  GitLabApi& inner_;
};

// Every GitLabApi method is pure virtual, so a method added there and not forwarded here makes
// this class abstract and stops the build.
static_assert(!std::is_abstract_v<ForwardingGitLabApi>, "ForwardingGitLabApi must forward every GitLabApi method");

}  // namespace patbot::gitlab
