// GitLabApi: everything patbot asks of GitLab, as values. Implementations are thread-safe.
// Every call returns an Error (never throws) for HTTP errors, transport failures, deadlines and
// malformed answers; Error::message is a plain sentence for a Slack user.
//
// Every method is pure virtual: an implementation answers every call, and a new method must be
// added to ForwardingGitLabApi (gitlab/forwarding_gitlab_api.h), which fails to compile until it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secret.h"
#include "gitlab/gitlab_errors.h"   // latestAcceptedExpiry, for callers of createToken
#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

class GitLabApi {
 public:
  virtual ~GitLabApi() = default;

  // Service accounts of the instance (admin) or of GITLAB_GROUP (group mode), all pages.
  virtual Result<std::vector<TokenOwner>> listServiceAccounts() = 0;
  // All tokens (active, expired and revoked) of one owner (service account, project or group),
  // all pages.
  virtual Result<std::vector<AccessToken>> listTokens(const TokenOwner& account) = 0;
  // Every service account with its tokens (and every project and group the implementation is
  // told to list, with theirs), with at most GITLAB_CONCURRENCY calls in flight.
  // Fails as a whole if any page fails (a partial list would show tokens as missing).
  virtual Result<Inventory> inventory() = 0;
  // The bot's own token (GET /personal_access_tokens/self).
  virtual Result<AccessToken> selfToken() = 0;
  // The given token's own metadata, authenticating with that token (rotation's verify step).
  virtual Result<AccessToken> tokenSelf(const Secret& token) = 0;

  // --- rotation (SPEC §5).

  // One token of `owner` by id, fresh from GitLab (kNotFound when GitLab has no such token).
  virtual Result<AccessToken> getToken(const TokenOwner& owner, int64_t tokenId) = 0;
  // Creates a token for `owner`. Never retried: after a kTimeout (or any failure whose detail
  // says "may or may not have happened") the caller must list the owner's tokens to find out.
  virtual Result<CreatedToken> createToken(const TokenOwner& owner, const TokenSpec& spec) = 0;
  // Revokes a token of `owner`; revoking an already revoked token succeeds. kNotFound when absent.
  virtual Status revokeToken(const TokenOwner& owner, int64_t tokenId) = 0;
  // Rotates a token (POST …/:id/rotate, expires_at): GitLab revokes `tokenId` at once and
  // returns its successor (for a project or group token, for the same bot user). Never retried
  // (but after a 429): after a lost answer the caller must look (getToken, listTokens) before
  // rotating again, and must rotate the successor, never `tokenId` again.
  virtual Result<CreatedToken> rotateToken(const TokenOwner& owner, int64_t tokenId, Date expiresAt) = 0;
  // A project or group, by numeric id or full path, as a TokenOwner of that kind.
  virtual Result<TokenOwner> getResource(TokenKind kind, const std::string& idOrPath) = 0;
  // What patbot's own token may do on a project or group.
  virtual Result<CallerAccess> callerAccess(const TokenOwner& resource) = 0;
  // What is tied to `botUserId` (the bot user of one of `resource`'s tokens) beyond its own
  // membership of `resource`: other memberships, and protected branch / environment rules of
  // `resource` naming it. kForbidden when patbot may not look (the memberships need an admin).
  virtual Result<std::vector<BotUserTie>> botUserTies(const TokenOwner& resource, int64_t botUserId) = 0;
  // A CI/CD variable's metadata (its value is never kept).
  virtual Result<CiVariable> getVariable(const VariableRef& ref) = 0;
  // Sets only the value of an existing variable (masked/protected/raw/scope are kept). Missing
  // variable: kNotFound (variables are never created); several match: kConflict. `value` never
  // appears in an Error or a log line.
  virtual Status updateVariable(const VariableRef& ref, const Secret& value) = 0;
  // `project`: numeric id or full path.
  virtual Result<Project> getProject(const std::string& project) = 0;
  // The newest pipeline on `ref` (with `status`, "" = any), nullopt when there is none.
  virtual Result<std::optional<Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                         const std::string& status) = 0;
  // Retries a pipeline's failed and canceled jobs. Never retried on failure.
  virtual Result<Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) = 0;
  // Runs a new pipeline on `ref`. Never retried on failure.
  virtual Result<Pipeline> createPipeline(const std::string& project, const std::string& ref) = 0;
  virtual Result<Pipeline> getPipeline(const std::string& project, int64_t pipelineId) = 0;
  // Comments on an issue (never retried on failure).
  virtual Status addIssueNote(const std::string& project, int64_t iid, const std::string& body) = 0;
  // Closes an issue; closing a closed issue succeeds.
  virtual Status closeIssue(const std::string& project, int64_t iid) = 0;

  // --- tracking issues (the expiry watcher).

  // Opens an issue. Never retried on failure: after a kTimeout or 5xx the caller looks for it
  // with listIssues before trying again.
  virtual Result<Issue> createIssue(const std::string& project, const IssueSpec& spec) = 0;
  // The project's issues matching `query`, all pages.
  virtual Result<std::vector<Issue>> listIssues(const std::string& project, const IssueQuery& query) = 0;
};

}  // namespace patbot::gitlab
