// AuditStore: the append-only audit trail of SPEC §6 with its hash chain.
//
// Each row's hash is SHA-256 (lower-case hex) over its prev_hash and its fields (see
// audit_hash.h for the exact canonical form); the first row's prev_hash is 64 zeros. verify()
// recomputes the chain and reports the first row whose stored hash or prev_hash does not match.
// The chain alone cannot tell a trail rewritten or truncated as a whole from an honest one; a
// head (row id and hash) kept outside the file can: verify(expectedHead) also requires that row,
// with that hash, to be in the trail.
// Thread-safe: appends are serialised so the chain never forks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace patbot::storage {

struct AuditRecord {
  // Slack user id, "cli:<login>", "watcher", or "patbot" (the bot's own events); "-" when unknown
  std::string actor;
  std::string action;     // e.g. "command.status", "request.rejected", "rotation.create"
  std::string target;     // token id, "ACCOUNT/NAME", an endpoint, or "" when none
  std::string outcome;    // "ok", "accepted", "denied", "rejected", "error", ...
  nlohmann::json detail = nlohmann::json::object();   // never a secret value
  std::string requestId;  // correlates with log lines
};

struct AuditEntry {
  int64_t id = 0;
  std::string ts;         // RFC 3339 UTC with milliseconds
  AuditRecord record;
  std::string prevHash;
  std::string hash;
};

struct AuditQuery {
  int limit = 20;
  std::optional<std::string> target;   // exact match
  // Rows about this token: target equal to the id, or detail naming it as old_token_id,
  // new_token_id or token_id (rotation steps are targeted "ACCOUNT/NAME").
  std::optional<int64_t> tokenId;
  std::optional<std::string> actor;    // exact match
  std::optional<std::string> since;    // ts >= since (RFC 3339)
};

// A row of the trail as published outside it: its id and its hash.
struct AuditHead {
  int64_t id = 0;
  std::string hash;    // lower-case hex SHA-256
};

struct VerifyReport {
  int64_t rowsChecked = 0;
  std::optional<int64_t> firstBadId;   // set when the chain is broken
  std::string reason;                  // why that row is bad
  // verify(expectedHead) only: why the trail does not hold that head ("" when it does): the row
  // is missing, or its hash differs. Either fails the check, whatever the chain says.
  std::string headMismatch;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Appends one row stamped with the store's clock; returns its id.
  virtual Result<int64_t> append(const AuditRecord& record) = 0;
  // Newest first.
  virtual Result<std::vector<AuditEntry>> latest(const AuditQuery& query) = 0;
  // Streams the whole table in id order in constant memory.
  virtual Result<VerifyReport> verify() = 0;
  // verify(), and in the same snapshot checks that row expectedHead.id exists with hash
  // expectedHead.hash (compared as given: pass lower-case hex).
  virtual Result<VerifyReport> verify(const AuditHead& expectedHead) = 0;
  // The newest row's id and hash; nullopt while the trail is empty.
  virtual Result<std::optional<AuditHead>> head() = 0;
};

}  // namespace patbot::storage
