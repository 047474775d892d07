// FakeKubernetes: an in-memory Kubernetes API server for core/v1 Secrets only, behaving as
// /work/shared/reference/secret-sinks.md §2 says (sim/README.md has every route and wording):
//   GET   /api/v1/namespaces/<ns>/secrets/<name>   the Secret (data base64, metadata.resourceVersion,
//                                                  uid, creationTimestamp)
//   PATCH /api/v1/namespaces/<ns>/secrets/<name>[?dryRun=All]
//         Content-Type application/merge-patch+json or application/strategic-merge-patch+json (the
//         two act alike on a Secret): keys not named are kept, null removes one, stringData is
//         folded into data. metadata.resourceVersion in the patch is a precondition: stale -> 409
//         Conflict. dryRun=All validates and answers the would-be object, storing nothing. Data or
//         immutable changed on an `immutable: true` Secret -> 422 Invalid. A change bumps the
//         cluster-wide resourceVersion; a patch that changes nothing keeps it.
// Errors are Status objects {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
// "message","reason","details":{"name","kind"},"code"}, checked in the API server's order: 401
// Unauthorized (no, unknown or expired bearer token), 403 Forbidden (RBAC: the token's service
// account needs a rule for the namespace, the verb get/patch and, when the rule names any, the
// Secret), 415, 400, 404 NotFound, 409 Conflict, 422 Invalid. Faults (sim/fake_sink_faults.h)
// answer before all that; 429 defaults to Retry-After: 1.
//
// Control routes (no auth, never faulted, never logged):
//   POST /_fake/reset  body = a seed; clears faults and the call log
//   GET  /_fake/state  the state in seed format plus each Secret's decoded "values"
//   POST /_fake/fault  a fault or {"clear":true}; GET lists them
//   POST /_fake/edit   {"namespace","name","string_data":{...}|"data":{base64...},"remove":[keys]}:
//                      a change by someone else (no RBAC, immutability ignored): bumps the
//                      resourceVersion -> the Secret
//   GET  /_fake/calls[?since=SEQ]  [{seq,method,path,query,status,auth,faulted}]; auth is "none"
//                      or the service account, never a token or a secret value
//
// Seed (every key optional):
//   {"resource_version": 1000,            // the cluster's last resourceVersion
//    "tokens":  [{"token":"...","service_account":"system:serviceaccount:ci:patbot","expires_at":null}],
//    "rbac":    [{"service_account":"system:serviceaccount:ci:patbot","namespace":"ci",
//                 "verbs":["get","patch"],"resource_names":["gitlab-token"]}],  // [] = every Secret
//    "secrets": [{"namespace":"ci","name":"gitlab-token","type":"Opaque","immutable":false,
//                 "uid":"...","resource_version":"1000","creation_timestamp":"RFC3339",
//                 "labels":{},"annotations":{},
//                 "string_data":{"token":"plain"} | "data":{"token":"<base64>"}}]}
//
// Threading: handle() may be called from many threads at once; one mutex guards the state.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "http/http_types.h"

namespace patbot::fakes {

class FakeKubernetes {
 public:
  // Throws std::invalid_argument when the seed is malformed. `clock` must outlive the fake.
  FakeKubernetes(const nlohmann::json& seed, const Clock& clock);
  ~FakeKubernetes();
  FakeKubernetes(const FakeKubernetes&) = delete;
  FakeKubernetes& operator=(const FakeKubernetes&) = delete;

  // Answers one request (any path). Never throws.
  http::Response handle(const http::Request& req);

  // The current state in seed format plus decoded values (do not print).
  nlohmann::json state() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Standard base64 (with padding). decode returns the index of the first bad byte on failure.
std::string base64Encode(const std::string& bytes);
bool base64Decode(const std::string& text, std::string& out, size_t& badIndex);

}  // namespace patbot::fakes
