// RotationJournal: the crash-safety record of token rotations (SPEC §5.3, §5.4), tables
// `rotations` and `rotation_steps` (migration 2).
//
// The engine journals each step before it runs (phase "start") and after ("done" or "failed"),
// so that after a crash `unfinished()` tells start-up recovery where every rotation stopped.
// Token VALUES are never stored: plan, step detail and error text pass through redactSecrets()
// as a last line of defence, but callers must not put a value there in the first place.
//
// Threading: every method holds the Database's write mutex for its whole unit, and writes run
// in one BEGIN IMMEDIATE transaction, so threads of this process and other processes on the same
// file never interleave. Timestamps come from the clock, as formatTimestamp() text.
// Failures come back as Error values (kStorage for SQLite, else as documented); nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace patbot::storage {

enum class RotationState {
  kPlanned,
  kCreating,
  kCreated,
  kDelivering,
  kDelivered,
  kVerifying,
  kVerified,
  kRevokeScheduled,
  kRevoking,
  kCompleted,
  kRollingBack,
  kRolledBack,
  kFailed,
  kAwaitingDecision,
};

// The stored name: "planned", "creating", ..., "revoke_scheduled", "rolled_back",
// "awaiting_decision".
const char* rotationStateName(RotationState state);
// Inverse of rotationStateName; nullopt for anything else.
std::optional<RotationState> parseRotationState(std::string_view name);
// kCompleted, kRolledBack, kFailed.
bool isTerminal(RotationState state);

struct RotationRecord {
  int64_t id = 0;
  // Dedupe key: the slash command's trigger_id, the button's action id, or "cli:<uuid>".
  std::string requestKey;
  std::string actor;
  std::string account;
  int64_t accountId = 0;
  std::string tokenName;
  int64_t oldTokenId = 0;
  std::optional<int64_t> newTokenId;
  RotationState state = RotationState::kPlanned;
  bool immediate = false;
  nlohmann::json plan = nlohmann::json::object();  // consumers, pipeline, issue, new expiry
  std::string error;
  std::string createdAt, updatedAt;        // RFC 3339, set by the journal
  std::optional<std::string> revokeAfter;  // RFC 3339
  std::string channelId, responseUrl;
  // Lower-case hex SHA-256 of the new token's value, journaled with newTokenId; "" when unknown
  // (rotations begun before migration 5). Lets recovery recognise the value in a consumer.
  std::string newValueSha256;
};

struct JournalStep {
  int64_t rotationId = 0;
  std::string step;
  std::string phase;  // "start" | "done" | "failed" (or another phase the caller chose)
  nlohmann::json detail;
  std::string ts;
};

class RotationJournal {
 public:
  struct BeginResult {
    RotationRecord record;
    bool created = false;
  };

  // Borrows `db` and `clock`; both must outlive the journal.
  RotationJournal(Database& db, const Clock& clock);

  // Starts a rotation from `planned` (id, createdAt and updatedAt are ignored). If a record with
  // the same requestKey exists, returns it unchanged with created=false (the same request
  // delivered twice), whatever its token or state. If an unfinished rotation of the same
  // oldTokenId exists, fails with kConflict: "a rotation of this token started by U123 at
  // 2026-01-02T03:04:05.000Z is still running (#7)"; likewise when oldTokenId is the replacement
  // an unfinished rotation created ("this token is the replacement created by rotation #7 ..."). kInvalidInput for an empty requestKey,
  // oldTokenId <= 0 or a terminal state. Check and insert are one BEGIN IMMEDIATE transaction,
  // backed by a partial UNIQUE index, so concurrent starts (threads or processes) yield one.
  Result<BeginResult> begin(const RotationRecord& planned);

  // Journals one step (a rotation_steps row) and moves the rotation to `newState`, in one
  // transaction. `phase` is normally "start", "done" or "failed" (others, e.g. "scheduled" or
  // "interrupted", are stored as given); an empty step or phase is kInvalidInput. A terminal
  // `newState` ends the rotation without an error text (prefer finish()). kNotFound for an
  // unknown id; kConflict when the rotation has already finished. A null `detail` is stored as {}.
  Status step(int64_t id, const std::string& step, const std::string& phase,
              RotationState newState, const nlohmann::json& detail = {});

  // Like step(), but only when the rotation is in `expected`: true when it moved, false (nothing
  // written) when another state was found, e.g. a second click on the same decision button racing
  // the first. kNotFound for an unknown id.
  Result<bool> transition(int64_t id, RotationState expected, const std::string& step, const std::string& phase,
                          RotationState newState, const nlohmann::json& detail = {});

  // Records the replacement token's id and the SHA-256 (hex) of its value, never the value.
  // Setting the same id again is a no-op; a different id when one is already recorded is
  // kConflict (a second create for one request). kNotFound for an unknown id.
  Status setNewToken(int64_t id, int64_t newTokenId, const std::string& valueSha256 = "");
  // Strategy rotate's one extra rotate (issue 16): GitLab's rotate turned the recorded replacement
  // `from` (whose value was lost) into `to`, and revoked `from`; records `to` and the SHA-256 of
  // its value in its place. Setting `to` again is a no-op; kConflict when the recorded
  // replacement is neither `from` nor `to` (none recorded included). kNotFound for an unknown id.
  Status replaceNewToken(int64_t id, int64_t from, int64_t to, const std::string& valueSha256);

  // Records when the old token may be revoked. kInvalidInput unless `rfc3339` parses as a
  // timestamp (it is stored normalised to UTC milliseconds); kNotFound for an unknown id.
  Status setRevokeAfter(int64_t id, const std::string& rfc3339);

  // Ends a rotation in `terminal` (kCompleted, kRolledBack or kFailed, else kInvalidInput) with
  // `error` (may be empty), journaling a "finish"/"done" step with {"state", "error"}. Finishing
  // again in the same state only records `error` if none was recorded yet; in another state it is
  // kConflict. kNotFound for an unknown id.
  Status finish(int64_t id, RotationState terminal, const std::string& error = "");

  Result<std::optional<RotationRecord>> find(int64_t id);
  Result<std::optional<RotationRecord>> findByRequestKey(const std::string& key);
  // Non-terminal rotations, oldest first.
  Result<std::vector<RotationRecord>> unfinished();
  // Rotations in kRevokeScheduled whose revoke_after <= `nowRfc3339`, earliest due first.
  // kInvalidInput unless `nowRfc3339` parses as a timestamp.
  Result<std::vector<RotationRecord>> dueRevokes(const std::string& nowRfc3339);
  // The rotation's steps in the order they were journaled (empty for an unknown id).
  Result<std::vector<JournalStep>> steps(int64_t id);

 private:
  // step() and transition(): journals the step and moves the rotation to `newState` in one
  // transaction. With `expected`, only from that state (false, nothing written, from any other);
  // without, from any unfinished state (kConflict from a finished one, never false).
  Result<bool> journalMove(int64_t id, std::optional<RotationState> expected,
                           const std::string& step, const std::string& phase,
                           RotationState newState, const nlohmann::json& detail);

  Database& db_;
  const Clock& clock_;
};

}  // namespace patbot::storage
