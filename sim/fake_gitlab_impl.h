// FakeGitLab's internals, shared by fake_gitlab.cpp (dispatch, auth, faults, control routes),
// fake_gitlab_tokens.cpp (tokens, users, service accounts), fake_gitlab_ci.cpp (variables,
// pipelines, issues), fake_gitlab_resource_tokens.cpp (project and group access tokens),
// fake_gitlab_members.cpp (the current user, memberships, groups, protected branches and
// environments) and fake_gitlab_access_control.cpp (the control routes seeding those). Route
// handlers run with mutex_ held and may touch world_ freely.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fake_gitlab.h"
#include "sim/fake_gitlab_model.h"
#include "sim/fake_gitlab_params.h"

namespace patbot::fakes {

class FakeGitLab::Impl {
 public:
  Impl(nlohmann::json seed, const Clock& clock, FakeClock* settableClock);
  ~Impl();

  http::Response handle(const http::Request& req);
  nlohmann::json state() const;
  void setFaults(const Faults& faults);
  Faults faults() const;
  void setDropsSupported(bool supported);

  // One authenticated /api/v4 request.
  struct Ctx {
    const http::Request& req;
    const Params& params;
    std::map<std::string, std::string> path;   // route parameters, percent-decoded
    FakeToken* token = nullptr;                // the authenticating token
    FakeUser* user = nullptr;                  // its owner
    bool admin = false;
    std::string baseUrl;                       // "http://host:port"
  };
  using Handler = http::Response (Impl::*)(Ctx&);
  // kReadUser: as kDefault, and GETs also accept read_user (GET /user, /users/...).
  enum class ScopeRule { kDefault, kAnyScope, kSelfRotate, kReadUser };
  struct Route {
    std::string method;
    std::vector<std::string> pattern;   // literal, ":name" (one segment), "*name" (one or more)
    Handler handler;
    ScopeRule scope = ScopeRule::kDefault;
  };

 private:
  static const std::vector<Route>& routes();

  http::Response handleApi(const http::Request& req, std::string* authLabel);
  http::Response handleControl(const http::Request& req);
  // The control routes of fake_gitlab_access_control.cpp; nullopt for any other path. Takes mutex_.
  std::optional<http::Response> handleAccessControl(const http::Request& req);
  std::optional<http::Response> injectFault(const http::Request& req);
  // The action of the schedule entry this call is the chosen occurrence of; counts the call
  // against every entry it matches. Takes faultsMutex_.
  std::optional<std::string> takeScheduled(const http::Request& req);
  // Holds the calling request until the faults are set again or the fake stops. Takes faultsMutex_.
  void holdUntilReleased();
  // Carries out a call that a scheduled action hit (see ScheduledFault).
  http::Response scheduledAnswer(const http::Request& req, const std::string& action, std::string* authLabel);
  // A 429 as GitLab sends it, alternating Rack::Attack and the application limiter. mutex_ held.
  http::Response rateLimitedLocked();
  // Whether `req` must hang now: before the work (hold_answer off) or after it (on). Needs faultsMutex_.
  bool hangsNow(const http::Request& req, bool afterWork) const;
  // Whether the connection of `req` is to be dropped (rolls the dice once per request).
  bool dropsNow(const http::Request& req, const Faults& f);
  http::Response authenticate(Ctx& ctx, const Route& route, const std::string& credential);
  void logCall(const http::Request& req, int status, const std::string& authLabel, bool dropped = false);
  std::string randomHex(size_t chars);

  // --- shared helpers (mutex_ held) ---
  Date today() const;
  bool expired(const FakeToken& t) const;
  bool active(const FakeToken& t) const { return !t.revoked && !expired(t); }
  nlohmann::json tokenJson(const FakeToken& t, bool withValue) const;
  // tokenJson plus access_level (the bot's membership, else the level it was issued with),
  // resource_type and resource_id: GitLab's ResourceAccessToken entity.
  nlohmann::json resourceTokenJson(const FakeToken& t, bool withValue) const;
  nlohmann::json userBasic(const FakeUser& u, const std::string& baseUrl) const;
  nlohmann::json serviceAccountJson(const FakeUser& u) const;
  std::string newTokenValue();
  std::optional<int64_t> intParam(const Ctx& ctx, const std::string& name, http::Response* error) const;
  // expires_at of a rotate or create (default today+7 resp. today+max lifetime); false and
  // *error (the rotate or the create shape) on a bad or too-late date.
  bool expiresParam(const Ctx& ctx, bool rotate, Date* out, http::Response* error) const;
  // Revokes `old` and creates its successor (same user, name, description, scopes, resource and
  // access level). Never fails.
  FakeToken& rotateInto(FakeToken& old, std::optional<Date> expiresAt);
  FakeToken& createToken(int64_t userId, const std::string& name, nlohmann::json description,
                         std::vector<std::string> scopes, std::optional<Date> expiresAt);
  // Reuse detection (§2.4): revokes every active token rotated, directly or not, from `t`.
  void revokeFamily(const FakeToken& t);
  // The §2.2 filters and sorts over `candidates`; an error response for bad parameters. Items
  // are resourceTokenJson with `resourceEntity`, else tokenJson.
  http::Response listTokensOf(Ctx& ctx, const std::vector<const FakeToken*>& candidates,
                              const std::string& linkPath, bool resourceEntity = false);
  FakeGroup* findGroup(const std::string& idOrPath);
  FakeProject* findProject(const std::string& idOrPath);
  std::string linkBase(const Ctx& ctx) const;

  // --- tokens, users, service accounts (fake_gitlab_tokens.cpp) ---
  http::Response listServiceAccounts(Ctx& ctx);
  http::Response createServiceAccount(Ctx& ctx);
  http::Response listTokens(Ctx& ctx);
  http::Response getSelf(Ctx& ctx);
  http::Response getToken(Ctx& ctx);
  http::Response rotateSelf(Ctx& ctx);
  http::Response rotateToken(Ctx& ctx);
  http::Response revokeSelf(Ctx& ctx);
  http::Response revokeToken(Ctx& ctx);
  http::Response createUserToken(Ctx& ctx);
  http::Response listGroupServiceAccounts(Ctx& ctx);
  http::Response createGroupServiceAccount(Ctx& ctx);
  http::Response listGroupSaTokens(Ctx& ctx);
  http::Response createGroupSaToken(Ctx& ctx);
  http::Response rotateGroupSaToken(Ctx& ctx);
  http::Response revokeGroupSaToken(Ctx& ctx);
  http::Response sortedServiceAccounts(Ctx& ctx, std::vector<const FakeUser*> accounts);
  http::Response createTokenFor(Ctx& ctx, const FakeUser& user);
  // Resolves :id and :user_id of the group SA routes; error response when not allowed/found.
  std::optional<http::Response> groupSaTarget(Ctx& ctx, FakeGroup** group, FakeUser** account);
  // groupSaTarget, then :token_id among that account's tokens; one that is missing or another
  // account's gets 404 {"message": notFound}.
  std::optional<http::Response> groupSaToken(Ctx& ctx, const std::string& notFound, FakeToken** token);
  // :token_id when the caller may see it (an admin any token, anyone else their own); a token
  // that is missing or not theirs gets the §1.5 answer (404 for admins, else 401).
  std::optional<http::Response> visibleToken(Ctx& ctx, FakeToken** token);
  // The answer to a rotation of `token`: 400 when it is already revoked, else its
  // successor with the value (expires_at as expiresParam reads it).
  http::Response rotateAnswer(Ctx& ctx, FakeToken& token);

  // --- project and group access tokens (fake_gitlab_resource_tokens.cpp) ---
  http::Response listResourceTokens(Ctx& ctx);
  http::Response getResourceToken(Ctx& ctx);
  http::Response createResourceToken(Ctx& ctx);
  http::Response rotateResourceToken(Ctx& ctx);
  http::Response rotateResourceSelf(Ctx& ctx);
  http::Response revokeResourceToken(Ctx& ctx);
  // The project or group of a /projects/:id/... or /groups/:id/... route, and the caller's
  // effective level on it (60 for an admin). One the caller cannot see (no member, not an admin)
  // gets 404 "<Project|Group> Not Found", as does a missing one.
  std::optional<http::Response> resourceTarget(Ctx& ctx, FakeResourceRef* resource, int* callerLevel);
  // The tokens of `resource` (of its bot users, deleted ones' revoked tokens included).
  std::vector<FakeToken*> tokensOf(const FakeResourceRef& resource);

  // --- the current user, memberships, groups, protected refs (fake_gitlab_members.cpp) ---
  http::Response getCurrentUser(Ctx& ctx);
  http::Response listUserMemberships(Ctx& ctx);
  http::Response getMemberAll(Ctx& ctx);
  http::Response getGroup(Ctx& ctx);
  http::Response listProtectedBranches(Ctx& ctx);
  http::Response listProtectedEnvironments(Ctx& ctx);
  nlohmann::json protectedBranchEntity(const FakeProtectedBranch& b) const;
  nlohmann::json protectedEnvironmentEntity(const FakeProtectedEnvironment& e) const;

  // --- CI variables, pipelines, issues (fake_gitlab_ci.cpp) ---
  http::Response listVariables(Ctx& ctx);
  http::Response getVariable(Ctx& ctx);
  http::Response createVariable(Ctx& ctx);
  http::Response updateVariable(Ctx& ctx);
  http::Response deleteVariable(Ctx& ctx);
  // The variable list of :id (project or group, by the route); error when not found/allowed.
  std::optional<http::Response> variableOwner(Ctx& ctx, std::vector<FakeVariable>** vars);
  // Index of the single variable :key (honouring filter[environment_scope]), or an error.
  std::optional<http::Response> findVariable(Ctx& ctx, std::vector<FakeVariable>& vars, size_t* index);
  std::optional<http::Response> projectTarget(Ctx& ctx, FakeProject** project);
  http::Response getProject(Ctx& ctx);
  http::Response listPipelines(Ctx& ctx);
  http::Response getPipeline(Ctx& ctx);
  http::Response createPipeline(Ctx& ctx);
  http::Response retryPipeline(Ctx& ctx);
  http::Response cancelPipeline(Ctx& ctx);
  nlohmann::json pipelineJson(const Ctx& ctx, const FakeProject& p, const FakePipeline& pl, bool detail) const;
  std::string verifyOutcome(const FakeProject& p) const;
  http::Response listIssues(Ctx& ctx);
  http::Response getIssue(Ctx& ctx);
  http::Response createIssue(Ctx& ctx);
  http::Response updateIssue(Ctx& ctx);
  http::Response createNote(Ctx& ctx);
  nlohmann::json issueJson(const Ctx& ctx, const FakeProject& p, const FakeIssue& is) const;
  std::optional<http::Response> issueTarget(Ctx& ctx, FakeProject** project, FakeIssue** issue);
  std::optional<http::Response> pipelineTarget(Ctx& ctx, FakeProject** project, FakePipeline** pipeline);

  const Clock& clock_;
  FakeClock* settableClock_;

  mutable std::mutex mutex_;            // guards everything below up to faultsMutex_
  FakeWorld world_;
  std::vector<nlohmann::json> calls_;
  int64_t callSeq_ = 0;
  std::mt19937_64 rng_;
  uint64_t rateLimitCount_ = 0;

  mutable std::mutex faultsMutex_;      // guards faults_, stopping_, inFlight_, held_
  std::condition_variable faultsCv_;
  Faults faults_;
  bool stopping_ = false;
  int inFlight_ = 0;
  int held_ = 0;                        // requests hanging now (guarded by faultsMutex_)
  uint64_t faultsGeneration_ = 0;       // bumped by setFaults: releases scheduled holds
  bool dropsSupported_ = false;         // guarded by faultsMutex_
};

}  // namespace patbot::fakes
