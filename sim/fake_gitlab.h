// FakeGitLab: an in-memory GitLab REST v4 server for tests, benches and `patbot demo`. It speaks
// the parts of /api/v4 the bot uses exactly as /work/shared/reference/gitlab-api.md describes
// (status codes, error body shapes, pagination headers, visibility, rotate semantics with reuse
// detection, project and group access tokens with their bot users, memberships, protected
// branches and environments, CI variables, simulated pipelines, issues and notes), plus
// unauthenticated control routes under /_fake for tests (sim/README.md has them all):
//   GET  /_fake/calls[?since=SEQ]  every /api/v4 call: [{seq, method, path, query, status, auth}]
//                                  where auth is "none" or "token:<id>"; never a token value
//   POST /_fake/faults             {latency_ms, latency_jitter_ms, rate_429, rate_500, hang,
//                                   hang_path_prefix, hang_method, hold_answer, drop_rate,
//                                   drop_path_prefix, drop_method, drop_after_work, schedule}
//                                  (missing keys reset to defaults); GET adds "held": requests
//                                  hanging right now, and each schedule entry's "seen"/"fired"
//   GET  /_fake/state              the whole state in seed format, token values included
//   POST /_fake/reset              body = a new seed; clears the call log
//   POST /_fake/clock              {"now":"RFC3339"}; only with a settable FakeClock, else 400
//   POST /_fake/members, /_fake/resource_tokens, /_fake/protected_branches,
//        /_fake/protected_environments; GET|POST /_fake/settings   (fake_gitlab_access_control.cpp)
//
// Seed format (JSON; every key optional):
//   {"max_lifetime_days": 365,
//    "admin_mode": false,    // Admin Mode: an admin's token without the admin_mode scope acts as
//                            // a non-admin's (GET /service_accounts 403, foreign token ids 401...)
//    "retain_bot_user_after_revoke": false,   // GitLab's flag: revoking keeps the bot user
//    "users":  [{"id":1,"username":"root","name":"Administrator","admin":true,
//                "bot_of": {"resource_type":"project","resource_id":5}}],   // bot_of: bot users only
//    "groups": [{"id":265,"path":"sec","owners":[2],"variables":[<variable>...]}],
//    "service_accounts": [{"id":10,"username":"inventory-bot","name":"Inventory",
//                          "group_id":265 | null}],          // also users; ids must not clash
//    "tokens": [{"id":101,"user_id":10,"name":"...","description":null,"scopes":["api"],
//                "expires_at":"2026-12-01" | null,"revoked":false,
//                "created_at":"2025-01-01T00:00:00.000Z","last_used_at":null,
//                "value":"glpat-...","previous_id":null,     // the bot's own token is here too
//                "resource_type":"project","resource_id":5,"access_level":40}],   // resource tokens only
//    "members": [{"user_id":3,"source_type":"project"|"group","source_id":5,"access_level":30}],
//    "projects": [{"id":5,"path":"sec/inventory-builder","maintainers":[1,2],
//                  "variables":[{"key":"K","value":"V","masked":true,"protected":false,
//                                "raw":false,"environment_scope":"*","variable_type":"env_var",
//                                "hidden":false,"description":null}],
//                  "pipelines":[{"id":47,"ref":"main","status":"failed","simulate":false}],
//                  "verify_variable":"GITLAB_API_TOKEN",
//                  "issues":[{"iid":262,"title":"...","description":"","state":"opened",
//                             "labels":["pat-expiry"],"notes":[]}],
//                  "protected_branches":[...], "protected_environments":[...]}]}
//                  (shapes in fake_gitlab_access_model.h)
// A created or retried pipeline is "pending"; each GET of it advances it to "running" and then
// to its final status: "success" when the project's verify_variable holds the value of an active
// token (not revoked, not expired), else "failed".
//
// Threading: handle() may be called from many server threads at once; state is guarded by one
// mutex. Injected latency and hangs sleep outside it. Destroying the fake (or setting faults
// without `hang`) releases hung requests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "http/http_types.h"

namespace patbot::fakes {

// One scheduled fault: the `occurrence`-th /api/v4 call (1-based, counted from when the schedule
// was set) whose method is `method` and whose path (without query) is exactly `path` gets
// `action`; other calls are not touched by it:
//   kill_before  hold the request without doing its work (the driver kills the client meanwhile)
//   kill_after   do the work, then hold the answer
//   hang         as kill_before (the client is expected to give up at its deadline)
//   500_after    do the work, then answer 500 {"message":"500 Internal Server Error"}
//   500_before   answer that 500 without doing the work
//   429          answer a 429 as the rate_429 fault does, without doing the work
// A held request is released when the faults are set again (POST /_fake/faults, {} included) or
// the fake stops: kill_before and hang then answer 503 still without doing the work (the client
// is gone; a late create must not appear), kill_after sends its real answer.
struct ScheduledFault {
  std::string method;
  std::string path;
  int occurrence = 1;
  std::string action;
  int seen = 0;          // matching calls so far (kept by the fake)
  bool fired = false;    // the occurrence arrived and got `action`
};

// The actions ScheduledFault accepts.
bool validScheduledAction(const std::string& action);

// Faults injected into /api/v4 routes only (never /_fake).
struct Faults {
  int latencyMs = 0;             // sleep before answering
  int latencyJitterMs = 0;       // plus a uniform 0..jitter
  double rate429 = 0;            // probability of a 429 (alternating Rack::Attack / app limiter)
  double rate500 = 0;            // probability of {"message":"500 Internal Server Error"}
  bool hang = false;             // sleep 10 minutes (or until released) before answering
  std::string hangPathPrefix;    // hang only paths starting with this (e.g. "/api/v4/groups")
  std::string hangMethod;        // and only this method ("" = any)
  bool holdAnswer = false;       // with hang: do the work first, then hold the answer (a caller
                                 // killed meanwhile never learns that it happened)
  // Dropped connections: the connection is closed without an answer. Only the fake_gitlab
  // process started with --drop-proxy can close a connection (its TCP front, drop_proxy.h);
  // handle() marks the response with kDropHeader and the front closes instead of answering.
  double dropRate = 0;           // probability that a matching request's connection is dropped
  std::string dropPathPrefix;    // drop only paths starting with this ("" = any /api/v4 path)
  std::string dropMethod;        // and only this method ("" = any)
  bool dropAfterWork = false;    // carry the request out first, then drop (the answer is lost)
  std::vector<ScheduledFault> schedule;   // deterministic per-call faults (above); checked first
};

// Marks a response whose connection the TCP front must close without answering.
inline constexpr const char* kDropHeader = "x-fake-drop-connection";

class FakeGitLab {
 public:
  // Throws std::invalid_argument when the seed is malformed. `clock` must outlive the fake.
  // `settableClock`, when given, is the same clock and enables POST /_fake/clock.
  FakeGitLab(nlohmann::json seed, const Clock& clock, FakeClock* settableClock = nullptr);
  ~FakeGitLab();
  FakeGitLab(const FakeGitLab&) = delete;
  FakeGitLab& operator=(const FakeGitLab&) = delete;

  // Answers one request (any path). Never throws.
  http::Response handle(const http::Request& req);

  // The current state in seed format, including token values (for assertions; do not print).
  nlohmann::json state() const;
  void setFaults(const Faults& faults);
  Faults faults() const;
  // Whether something in front of handle() honours kDropHeader; until then POST /_fake/faults
  // refuses a drop_rate above 0 (400) rather than let it do nothing.
  void setDropsSupported(bool supported);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Faults <-> the JSON of POST /_fake/faults.
Faults faultsFromJson(const nlohmann::json& j);
nlohmann::json faultsToJson(const Faults& f);

}  // namespace patbot::fakes
