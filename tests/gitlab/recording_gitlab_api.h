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

namespace patbot::gitlab::testing {

class RecordingGitLabApi : public GitLabApi {
 public:
  static constexpr const char* kUnanswered = ": not answered by this test double";

  Result<std::vector<ServiceAccount>> listServiceAccounts() override { return unanswered("listServiceAccounts"); }
  Result<std::vector<AccessToken>> listTokens(const ServiceAccount& account) override {
    return unanswered("listTokens " + account.username);
  }
  Result<Inventory> inventory() override { return unanswered("inventory"); }
  Result<AccessToken> selfToken() override { return unanswered("selfToken"); }
  Result<AccessToken> tokenSelf(const Secret& token) override { return unanswered("tokenSelf " + token.reveal()); }

  Result<AccessToken> getToken(const ServiceAccount& owner, int64_t tokenId) override {
    return unanswered("getToken " + owner.username + " " + std::to_string(tokenId));
  }
  Result<CreatedToken> createToken(const ServiceAccount& owner, const TokenSpec& spec) override {
    return unanswered("createToken " + owner.username + " " + spec.name);
  }
  Status revokeToken(const ServiceAccount& owner, int64_t tokenId) override {
    return unanswered("revokeToken " + owner.username + " " + std::to_string(tokenId));
  }
  Result<CiVariable> getVariable(const VariableRef& ref) override {
    return unanswered("getVariable " + ref.owner + " " + ref.key);
  }
  Status updateVariable(const VariableRef& ref, const Secret& value) override {
    return unanswered("updateVariable " + ref.owner + " " + ref.key + " " + value.reveal());
  }
  Result<Project> getProject(const std::string& project) override { return unanswered("getProject " + project); }
  Result<std::optional<Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                 const std::string& status) override {
    return unanswered("latestPipeline " + project + " " + ref + " " + status);
  }
  Result<Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override {
    return unanswered("retryPipeline " + project + " " + std::to_string(pipelineId));
  }
  Result<Pipeline> createPipeline(const std::string& project, const std::string& ref) override {
    return unanswered("createPipeline " + project + " " + ref);
  }
  Result<Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override {
    return unanswered("getPipeline " + project + " " + std::to_string(pipelineId));
  }
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) override {
    return unanswered("addIssueNote " + project + " " + std::to_string(iid) + " " + body);
  }
  Status closeIssue(const std::string& project, int64_t iid) override {
    return unanswered("closeIssue " + project + " " + std::to_string(iid));
  }
  Result<Issue> createIssue(const std::string& project, const IssueSpec& spec) override {
    return unanswered("createIssue " + project + " " + spec.title);
  }
  Result<std::vector<Issue>> listIssues(const std::string& project, const IssueQuery& query) override {
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

}  // namespace patbot::gitlab::testing
