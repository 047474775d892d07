// FakeVault: an in-memory HashiCorp Vault (or OpenBao) for tests — the KV version 2 secrets
// engine, Kubernetes auth, token policies and sys/capabilities-self, behaving as
// /work/shared/reference/secret-sinks.md §1 says (sim/README.md has every route and wording):
//   GET            /v1/<mount>/data/<path>[?version=N]  read; 404 {"errors":[]} when absent
//   POST|PUT       /v1/<mount>/data/<path>   {"options":{"cas":N},"data":{...}} replaces all fields
//   PATCH          /v1/<mount>/data/<path>   Content-Type application/merge-patch+json; only the
//                                            named fields (null deletes one); needs `patch`
//   LIST (or GET ?list=true) /v1/<mount>/metadata/<prefix>   {"data":{"keys":[...]}}
//   POST|PUT       /v1/sys/capabilities-self {"paths":[...]}
//   POST           /v1/auth/<k8s mount>/login {"role","jwt"} -> auth.client_token with a lease
//   POST           /v1/auth/token/renew-self, GET /v1/auth/token/lookup-self
// Every /v1 call needs X-Vault-Token (or Authorization: Bearer) except login; a missing, unknown
// or expired token is 403 {"errors":["permission denied"]}; a token whose policies lack the
// capability is 403 {"errors":["1 error occurred:\n\t* permission denied\n\n"]}. X-Vault-Namespace
// selects the namespace (mounts and secrets are per namespace). Sealed: every /v1 call is 503
// {"errors":["Vault is sealed"]}.
//
// Control routes (no auth, never faulted, never logged):
//   POST /_fake/reset  body = a seed (format below); clears faults and the call log
//   GET  /_fake/state  the state in seed format, every version's fields and token values included
//   POST /_fake/fault  a fault (sim/fake_sink_faults.h) or {"clear":true}; GET lists them
//   POST /_fake/edit   {"namespace":"","mount":"secret","path":"p","data":{...},"replace":false}:
//                      a write by someone else (new version; fields merged unless replace) ->
//                      {"version":N}
//   POST /_fake/seal   {"sealed":true|false}
//   GET  /_fake/calls[?since=SEQ]  [{seq,method,path,query,status,auth,faulted}]; auth is "none"
//                      or the token's name, never a token or a secret value
//
// Seed (every key optional):
//   {"sealed": false,
//    "mounts":   [{"namespace":"","path":"secret","cas_required":false,"max_versions":10}],
//    "secrets":  [{"namespace":"","mount":"secret","path":"ci/deploy","cas_required":false,
//                  "versions":[{"data":{"token":"old"},"created_time":"RFC3339",
//                               "deletion_time":"","destroyed":false}]}],   // versions 1..n
//                 (or "data": {...} for a secret with one version)
//    "policies": {"patbot":{"secret/data/ci/*":["read","update","patch"],"secret/data/x":["deny"]}},
//    "tokens":   [{"name":"patbot","token":"hvs.static","namespace":"","policies":["patbot"],
//                  "expires_at":null|"RFC3339","ttl":0,"renewable":false}],   // "root" policy = all
//    "kubernetes": {"service_accounts":[{"jwt":"eyJ...","name":"patbot","namespace":"ci","uid":"u-1"}],
//                   "roles":[{"mount":"kubernetes","name":"patbot","bound_service_account_names":["patbot"],
//                             "bound_service_account_namespaces":["ci"],"policies":["patbot"],"ttl":3600}]}}
// Policy paths are relative to the token's namespace, and end in `*` for a prefix or hold `+`
// for one segment; per policy the most specific rule applies, policies add up, `deny` wins.
// A token works in its own namespace and the namespaces below it (policy paths then start with
// the child's relative name, as in Vault Enterprise).
//
// Threading: handle() may be called from many threads at once; one mutex guards the state, and
// hanging faults wait outside it.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "http/http_types.h"

namespace patbot::fakes {

class FakeVault {
 public:
  // Throws std::invalid_argument when the seed is malformed. `clock` must outlive the fake.
  FakeVault(const nlohmann::json& seed, const Clock& clock);
  ~FakeVault();
  FakeVault(const FakeVault&) = delete;
  FakeVault& operator=(const FakeVault&) = delete;

  // Answers one request (any path). Never throws.
  http::Response handle(const http::Request& req);

  // The current state in seed format (token values and secret fields included; do not print).
  nlohmann::json state() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace patbot::fakes
