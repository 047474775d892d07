// RestGitLabApi: GitLabApi over GitLab's REST API v4 (reference/gitlab-api.md §1–§3), through an
// http::Transport. Thread-safe: any number of threads may call it at once, and together they
// never have more than `concurrency` requests in flight. Every public call is bounded by
// operationDeadline (all pages, retries and waits included) and returns an Error, never throws.
// GET, PUT and DELETE are retried on 5xx and transport failures (any of them: no complete
// answer arrived) with capped exponential backoff, at most maxAttempts times. Every method is
// retried after a 429, which GitLab sends before doing any work (POST never after a 5xx or a lost
// answer), as gitlab/rate_limit.h says: after Retry-After, else at RateLimit-Reset, else with
// exponential backoff and jitter up to 60 s a wait, as long as the operation's deadline allows;
// 429s do not count against maxAttempts. When no time is left the Error is kRateLimited and
// says how long patbot tried.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/result.h"
#include "core/secret.h"
#include "gitlab/gitlab_api.h"
#include "gitlab/gitlab_errors.h"
#include "gitlab/gitlab_types.h"
#include "gitlab/in_flight_limiter.h"
#include "http/http_types.h"

namespace patbot::gitlab {

struct RestGitLabOptions {
  std::string baseUrl;              // e.g. "https://gitlab.example.com" (no /api/v4; appended here)
  Secret token;                     // sent as header PRIVATE-TOKEN
  Mode mode = Mode::kInstance;      // kGroup uses `group`
  std::string group;                // id or full path (URL-encoded in paths: a/b -> a%2Fb)
  int concurrency = 8;              // most requests in flight at once, across all threads
  std::chrono::milliseconds requestDeadline{30000};     // per HTTP request
  std::chrono::milliseconds operationDeadline{100000};  // a whole call incl. retries and pages
  int maxAttempts = 5;              // for retryable requests
  std::chrono::milliseconds maxBackoff{8000};
  MetricsRegistry* metrics = nullptr;
  // Waits between retries (sleepFor), deadlines (steadyNow) and turning GitLab's RateLimit-Reset,
  // a Unix time, into a wait (now). Borrowed; must outlive the RestGitLabApi. nullptr: the
  // system's clock. Tests pass a FakeClock to run retries and deadlines on virtual time.
  const Clock* clock = nullptr;
  // Called by inventory() after each account's tokens are listed, with how many accounts are
  // done, the total and the HTTP requests so far; from the listing threads, one call at a time.
  std::function<void(size_t done, size_t total, int requests)> onInventoryProgress;
};

class RestGitLabApi final : public GitLabApi {
 public:
  // `transport` must outlive this object. `options.metrics` and `options.clock`, when set, too.
  RestGitLabApi(http::Transport& transport, RestGitLabOptions options);
  ~RestGitLabApi() override;

  // Instance mode: GET /service_accounts; group mode: GET /groups/:id/service_accounts. By id.
  Result<std::vector<TokenOwner>> listServiceAccounts() override;
  // Instance mode: GET /personal_access_tokens?user_id=; group mode:
  // GET /groups/:id/service_accounts/:user_id/personal_access_tokens. By id.
  Result<std::vector<AccessToken>> listTokens(const TokenOwner& account) override;
  // Accounts sorted by username, tokens by id; requests counts every HTTP attempt.
  Result<Inventory> inventory() override;
  Result<AccessToken> selfToken() override;
  Result<AccessToken> tokenSelf(const Secret& token) override;

  // Instance mode: GET /personal_access_tokens/:id; group mode (no get-by-id route): lists the
  // owner's tokens and picks the id, kNotFound when absent.
  Result<AccessToken> getToken(const TokenOwner& owner, int64_t tokenId) override;
  // Instance mode: POST /users/:user_id/personal_access_tokens; group mode:
  // POST /groups/:id/service_accounts/:user_id/personal_access_tokens. Repeated only after a
  // 429. When the request may have reached GitLab without an answer (transport failure,
  // 5xx, unreadable 2xx) Error::detail says "the create may or may not have happened".
  Result<CreatedToken> createToken(const TokenOwner& owner, const TokenSpec& spec) override;
  // Instance mode: DELETE /personal_access_tokens/:id; group mode:
  // DELETE /groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id. Retried.
  Status revokeToken(const TokenOwner& owner, int64_t tokenId) override;
  // POST /{projects,groups}/:id/access_tokens/:token_id/rotate {"expires_at"}; 200.
  Result<CreatedToken> rotateToken(const TokenOwner& owner, int64_t tokenId, Date expiresAt) override;
  // GET /projects/:id or GET /groups/:id.
  Result<TokenOwner> getResource(TokenKind kind, const std::string& idOrPath) override;
  // GET /user (is_admin), then GET /{projects,groups}/:id/members/all/:user_id (404: no level).
  Result<CallerAccess> callerAccess(const TokenOwner& resource) override;
  // GET /users/:id/memberships (admin only: 403 -> kForbidden), and for a project
  // GET /projects/:id/protected_branches and /protected_environments.
  Result<std::vector<BotUserTie>> botUserTies(const TokenOwner& resource, int64_t botUserId) override;
  // GET /{projects,groups}/:id/variables/:key[?filter[environment_scope]=]. The answer's value
  // is wiped from memory as soon as it is parsed.
  Result<CiVariable> getVariable(const VariableRef& ref) override;
  // PUT /{projects,groups}/:id/variables/:key with {"value", "filter":{"environment_scope"}}
  // (the filter only when set). Retried. 404 Variable Not Found -> kNotFound, 409 -> kConflict,
  // both with a sentence saying what to do. `value` is scrubbed from every Error and log line.
  Status updateVariable(const VariableRef& ref, const Secret& value) override;
  Result<Project> getProject(const std::string& project) override;
  // GET /projects/:id/pipelines?ref=&[status=&]order_by=id&sort=desc&per_page=1
  Result<std::optional<Pipeline>> latestPipeline(const std::string& project, const std::string& ref,
                                                 const std::string& status) override;
  Result<Pipeline> retryPipeline(const std::string& project, int64_t pipelineId) override;
  // POST /projects/:id/pipeline {"ref"}
  Result<Pipeline> createPipeline(const std::string& project, const std::string& ref) override;
  Result<Pipeline> getPipeline(const std::string& project, int64_t pipelineId) override;
  // POST /projects/:id/issues/:iid/notes {"body"}; 201, or 202 for a quick-action-only body.
  Status addIssueNote(const std::string& project, int64_t iid, const std::string& text) override;
  // PUT /projects/:id/issues/:iid {"state_event":"close"}; retried; fails unless the issue
  // GitLab returns is closed.
  Status closeIssue(const std::string& project, int64_t iid) override;
  // POST /projects/:id/issues {title, description, labels "a,b"}; 201. Never retried.
  Result<Issue> createIssue(const std::string& project, const IssueSpec& spec) override;
  // GET /projects/:id/issues?state=&labels=&search=&in=title (each only when set), all pages.
  Result<std::vector<Issue>> listIssues(const std::string& project, const IssueQuery& query) override;

 private:
  struct Operation;   // one public call: deadline, cancellation, request count

  // One HTTP exchange against /api/v4, retried when the method allows it.
  struct Call {
    std::string method = "GET";
    std::string pathAndQuery;      // after /api/v4, e.g. "/service_accounts?per_page=100&page=1"
    std::string route;             // metrics label, e.g. "/groups/:id/service_accounts"
    std::string body;              // sent as application/json when non-empty
    const Secret* token = nullptr; // nullptr = the bot's token
    TokenRole role = TokenRole::kBot;
    std::string what;              // "listing service accounts" (for error sentences)
    const Secret* scrub = nullptr; // a value sent in `body` that must not reach an Error or log
    // Rewrites the Error mapped from a non-2xx answer (body already scrubbed), before it is
    // logged or returned.
    std::function<void(Error&, int status, const std::string& body)> refine;
  };

  Operation startOperation() const;
  // A 2xx response, or an Error mapped for a Slack user.
  Result<http::ClientResponse> execute(const Call& call, Operation& op);
  // GETs `path` page by page (per_page=100, X-Next-Page) until the end; `consume` parses one
  // page's body and returns how many items it held.
  Status fetchAllPages(const Call& firstPage, Operation& op,
                       const std::function<Result<size_t>(const std::string&)>& consume);
  Result<std::vector<TokenOwner>> listAccountsIn(Operation& op);
  Result<std::vector<AccessToken>> listTokensIn(const TokenOwner& account, Operation& op);
  Result<AccessToken> readSelf(const Secret* token, TokenRole role, const std::string& what);
  // execute() with a fresh operation.
  Result<http::ClientResponse> executeOnce(const Call& call);
  Call tokenCall(const TokenOwner& owner, int64_t tokenId) const;

  Error timeoutError(const std::string& what, const std::string& lastProblem) const;
  void record(const std::string& route, const std::string& status, std::chrono::nanoseconds took);

  http::Transport& transport_;
  RestGitLabOptions options_;
  std::string apiBase_;     // baseUrl without trailing '/' + "/api/v4"
  std::string host_;        // host[:port] of baseUrl, for error sentences
  std::string groupId_;     // encoded group id or path
  const Clock& clock_;      // options_.clock, or the system's
  mutable InFlightLimiter limiter_;
};

}  // namespace patbot::gitlab
