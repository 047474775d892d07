// RestGitLabApi: GitLabApi over GitLab's REST API v4 (reference/gitlab-api.md §1–§4), through an
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

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
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
#include "gitlab/json_resources.h"
#include "gitlab/token_routes.h"
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
  // Projects and groups whose access tokens inventory() lists beside the service accounts'.
  std::vector<ResourceRef> resources;
  // Called by inventory() after each owner's tokens are listed (service account, project or
  // group), with how many owners are done, the total and the HTTP requests so far; from the
  // listing threads, one call at a time.
  std::function<void(size_t done, size_t total, int requests)> onInventoryProgress;
};

class RestGitLabApi final : public GitLabApi {
 public:
  // `transport` must outlive this object. `options.metrics` and `options.clock`, when set, too.
  RestGitLabApi(http::Transport& transport, RestGitLabOptions options);
  ~RestGitLabApi() override;

  // Instance mode: GET /service_accounts; group mode: GET /groups/:id/service_accounts. By id.
  Result<std::vector<TokenOwner>> listServiceAccounts() override;

  // --- token calls (rest_gitlab_tokens.cpp). Each goes where owner.kind says (TokenRoutes,
  // gitlab/token_routes.h): a service account's personal tokens to the routes of patbot's mode,
  // a project's or group's access tokens to /{projects,groups}/:owner.id/access_tokens.

  // Personal, instance mode: GET /personal_access_tokens?user_id=; group mode:
  // GET /groups/:id/service_accounts/:user_id/personal_access_tokens. Project or group:
  // GET /{projects,groups}/:id/access_tokens (no state filter: every token GitLab still lists).
  // All pages; by id.
  Result<std::vector<AccessToken>> listTokens(const TokenOwner& account) override;
  // Service accounts sorted by username, then the `resources` (each resolved with getResource,
  // its tokens listed, within the same concurrency limit and deadline; one listed twice, by id
  // and by path, counts once) projects then groups, each by path; tokens by id. Fails as a whole
  // when any owner fails, with the Error of the first failure (its sentence names the account,
  // project or group). `requests` counts every HTTP attempt.
  Result<Inventory> inventory() override;
  Result<AccessToken> selfToken() override;
  Result<AccessToken> tokenSelf(const Secret& token) override;

  // Personal, instance mode: GET /personal_access_tokens/:id; group mode (no get-by-id route):
  // lists the owner's tokens and picks the id, kNotFound when absent. Project or group:
  // GET /{projects,groups}/:id/access_tokens/:token_id (404 -> kNotFound).
  Result<AccessToken> getToken(const TokenOwner& owner, int64_t tokenId) override;
  // Personal, instance mode: POST /users/:user_id/personal_access_tokens; group mode:
  // POST /groups/:id/service_accounts/:user_id/personal_access_tokens; body {name, scopes,
  // expires_at[, description]}. Project or group: POST /{projects,groups}/:id/access_tokens with
  // access_level too when set; 201. Repeated only after a 429. When the request may have reached
  // GitLab without an answer (transport failure, 5xx, unreadable 2xx) Error::detail says "the
  // create may or may not have happened". The value is wiped from the answer once parsed.
  Result<CreatedToken> createToken(const TokenOwner& owner, const TokenSpec& spec) override;
  // Personal, instance mode: DELETE /personal_access_tokens/:id; group mode:
  // DELETE /groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id. Project or
  // group: DELETE /{projects,groups}/:id/access_tokens/:token_id. 204; retried. GitLab deletes a
  // project or group token's bot user on revoke, so revoking one again answers 404 (kNotFound).
  Status revokeToken(const TokenOwner& owner, int64_t tokenId) override;
  // POST …/:token_id/rotate {"expires_at":"YYYY-MM-DD"} -> 200 with the successor and its value:
  // project or group, /{projects,groups}/:id/access_tokens/:token_id/rotate; personal, instance
  // mode /personal_access_tokens/:id/rotate, group mode
  // /groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id/rotate. Repeated only
  // after a 429; after a transport failure, 5xx or unreadable 2xx Error::detail says "the rotate
  // may or may not have happened". A 400 "Token already revoked" is kConflict ("already rotated
  // or revoked"), a 400 naming an expired token kInvalidInput (a new token is needed: `replace`),
  // a 400 "Not eligible to rotate …" kForbidden naming the token's and patbot's levels when
  // getToken and callerAccess can tell them; other answers map as gitlab_errors.h says (a
  // refused expires_at keeps GitLab's sentence, for latestAcceptedExpiry).
  Result<CreatedToken> rotateToken(const TokenOwner& owner, int64_t tokenId, Date expiresAt) override;

  // --- projects, groups, users (rest_gitlab_resources.cpp).

  // GET /projects/:id (id, path_with_namespace, name) or GET /groups/:id (id, full_path, name),
  // `idOrPath` URL-encoded. 404 -> kNotFound "project sec/app was not found (or patbot's token
  // cannot see it)".
  Result<TokenOwner> getResource(TokenKind kind, const std::string& idOrPath) override;
  // GET /user (its id and is_admin; asked once, then kept for this object's lifetime), then
  // GET /{projects,groups}/:id/members/all/:user_id -> level (inherited memberships count);
  // 404 there -> no level.
  Result<CallerAccess> callerAccess(const TokenOwner& resource) override;
  // GET /users/:bot_user_id/memberships, all pages (403 -> kForbidden "Listing what the bot user
  // belongs to needs an administrator token …"): each membership of another project or group is
  // a tie ("member of group Platform (id 7) as Developer"; GitLab gives the name, not the path).
  // For a project also GET /projects/:id/protected_branches and /protected_environments, all
  // pages: each push, merge, unprotect, deploy or approval rule naming the bot user is a tie
  // ("may push to protected branch main"). A 404 from an unknown /protected_environments route
  // (GitLab Free has none) means no environment ties.
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
  // One public call: its deadline (all pages, retries and waits), cancellation, request count.
  struct Operation {
    SteadyTimePoint deadline;
    SteadyTimePoint started;
    std::atomic<bool> cancelled{false};
    std::atomic<int> requests{0};
  };

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
  // A resource's tokens could not be listed (401): the Error saying patbot's level there when it
  // is below what managing them needs (Maintainer / Owner), else nullopt.
  std::optional<Error> belowTokenManagers(const TokenOwner& resource);
  Result<TokenOwner> getResourceIn(TokenKind kind, const std::string& idOrPath, Operation& op);
  // GET /user, once per object (then cached).
  Result<CurrentUser> currentUserIn(Operation& op);
  // What inventory() lists, owner `i` of the accounts then the resources.
  Result<AccountTokens> inventoryEntry(size_t i, const std::vector<TokenOwner>& accounts, Operation& op);
  // " (the token is Owner, patbot Maintainer)" for a refused rotation, or "" when not known.
  std::string levelsOf(const TokenOwner& owner, int64_t tokenId);
  Result<AccessToken> readSelf(const Secret* token, TokenRole role, const std::string& what);
  // execute() with a fresh operation.
  Result<http::ClientResponse> executeOnce(const Call& call);

  Error timeoutError(const std::string& what, const std::string& lastProblem) const;
  void record(const std::string& route, const std::string& status, std::chrono::nanoseconds took);

  http::Transport& transport_;
  RestGitLabOptions options_;
  std::string apiBase_;     // baseUrl without trailing '/' + "/api/v4"
  std::string host_;        // host[:port] of baseUrl, for error sentences
  std::string groupId_;     // encoded group id or path
  TokenRoutes routes_;      // where token calls go, by owner kind and mode
  const Clock& clock_;      // options_.clock, or the system's
  mutable InFlightLimiter limiter_;
  std::mutex userMutex_;
  std::optional<CurrentUser> user_;   // GET /user, once known (patbot's token does not change)
};

}  // namespace patbot::gitlab
