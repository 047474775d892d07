// RecordingGitLabApi: an in-memory GitLabApi test double that writes down every call it gets, as
// one line "<method> <arguments...>", and answers it with kInternal whose message is that line
// followed by ": not answered by this test double". Derive from it to answer the calls a test
// needs; the other calls still fail loudly. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "gitlab/gitlab_api.h"

namespace patbot::testing {

class RecordingGitLabApi : public gitlab::GitLabApi {
 public:
  static constexpr const char* kUnanswered = ": not answered by this test double";

  Result<std::vector<gitlab::TokenOwner>> listServiceAccounts() override { return unanswered("listServiceAccounts"); }
  Result<std::vector<gitlab::AccessToken>> listTokens(const gitlab::TokenOwner& account) override {
    return unanswered("listTokens " + account.username);
  }
  Result<gitlab::Inventory> inventory() override { return unanswered("inventory"); }
  Result<gitlab::AccessToken> selfToken() override { return unanswered("selfToken"); }
  Result<gitlab::AccessToken> tokenSelf(const Secret& token) override { return unanswered("tokenSelf " + token.reveal()); }

  Result<gitlab::AccessToken> getToken(const gitlab::TokenOwner& owner, int64_t tokenId) override {
    return unanswered("getToken " + owner.username + " " + std::to_string(tokenId));
  }
  Result<gitlab::CreatedToken> createToken(const gitlab::TokenOwner& owner, const gitlab::TokenSpec& spec) override {
    return unanswered("createToken " + owner.username + " " + spec.name);
  }
  Status revokeToken(const gitlab::TokenOwner& owner, int64_t tokenId) override {
    return unanswered("revokeToken " + owner.username + " " + std::to_string(tokenId));
  }
  Result<gitlab::CreatedToken> rotateToken(const gitlab::TokenOwner& owner, int64_t tokenId, Date expiresAt) override {
    return unanswered("rotateToken " + owner.username + " " + std::to_string(tokenId) + " " + formatDate(expiresAt));
  }
  Result<gitlab::TokenOwner> getResource(gitlab::TokenKind kind, const std::string& idOrPath) override {
    return unanswered(std::string("getResource ") + gitlab::tokenKindName(kind) + " " + idOrPath);
  }
  Result<gitlab::CallerAccess> callerAccess(const gitlab::TokenOwner& resource) override {
    return unanswered("callerAccess " + resource.username);
  }
  Result<std::vector<gitlab::BotUserTie>> botUserTies(const gitlab::TokenOwner& resource, int64_t botUserId) override {
    return unanswered("botUserTies " + resource.username + " " + std::to_string(botUserId));
  }
  Result<gitlab::CiVariable> getVariable(const gitlab::VariableRef& ref) override {
    return unanswered("getVariable " + ref.owner + " " + ref.key);
  }
  Status updateVariable(const gitlab::VariableRef& ref, const Secret& value) override {
    return unanswered("updateVariable " + ref.owner + " " + ref.key + " " + value.reveal());
  }
  Result<gitlab::Project> getProject(const std::string& project) override { return unanswered("getProject " + project); }
  Result<std::optional<gitlab::Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                         const std::string& status) override {
    return unanswered("latestPipeline " + project + " " + ref + " " + status);
  }
  Result<gitlab::Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override {
    return unanswered("retryPipeline " + project + " " + std::to_string(pipelineId));
  }
  Result<gitlab::Pipeline> createPipeline(const std::string& project, const std::string& ref) override {
    return unanswered("createPipeline " + project + " " + ref);
  }
  Result<gitlab::Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override {
    return unanswered("getPipeline " + project + " " + std::to_string(pipelineId));
  }
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) override {
    return unanswered("addIssueNote " + project + " " + std::to_string(iid) + " " + body);
  }
  Status closeIssue(const std::string& project, int64_t iid) override {
    return unanswered("closeIssue " + project + " " + std::to_string(iid));
  }
  Result<gitlab::Issue> createIssue(const std::string& project, const gitlab::IssueSpec& spec) override {
    return unanswered("createIssue " + project + " " + spec.title);
  }
  Result<std::vector<gitlab::Issue>> listIssues(const std::string& project, const gitlab::IssueQuery& query) override {
    return unanswered("listIssues " + project + " " + query.search);
  }

  // Every call received so far, in order.
  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 protected:
  // Records `call` and returns the Error that answers it.
  Error unanswered(const std::string& call) {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
    }
    return Error::make(ErrorKind::kInternal, call + kUnanswered);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

}  // namespace patbot::testing
