// ConfirmationStore: pending Confirm / Cancel buttons (table `confirmations`, migration 2).
//
// A confirmation is created when patbot shows a plan with buttons; its id goes into the button
// value. Pressing a button consumes (or cancels) it exactly once: the check and the mark are one
// conditional UPDATE, so of many concurrent presses (threads or processes) one wins.
// Threading: every method holds the Database's write mutex. Request JSON passes through
// redactSecrets() before it is stored. Failures come back as Error values; nothing throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace patbot::storage {

struct Confirmation {
  std::string id;           // random 128-bit lower-case hex, goes into the button value
  std::string kind;         // "rotate" | "revoke"
  std::string requestedBy;  // Slack user id or "cli:<login>"
  std::string channelId;
  nlohmann::json request;   // what to run on Confirm; never a secret value
  std::string createdAt, expiresAt;  // RFC 3339
  std::optional<std::string> usedAt;  // set when confirmed or cancelled
  std::string usedBy;
};

class ConfirmationStore {
 public:
  // Borrows `db` and `clock`; both must outlive the store.
  ConfirmationStore(Database& db, const Clock& clock);

  // Stores a new pending confirmation expiring `ttl` from now. kInvalidInput for an empty kind
  // or a ttl below one minute; kInternal if no random id can be drawn.
  Result<Confirmation> create(std::string kind, std::string requestedBy, std::string channelId,
                              nlohmann::json request,
                              std::chrono::minutes ttl = std::chrono::minutes(15));

  // Marks it confirmed by `by` (UPDATE ... WHERE id=? AND used_at IS NULL AND expires_at > now)
  // and returns it when THIS call won. Otherwise: kNotFound "this confirmation is unknown; run
  // the command again"; kConflict "already confirmed by U1 at <ts>" (or "already cancelled by
  // ..."); kInvalidInput "this confirmation expired after 15 minutes; run the command again".
  Result<Confirmation> consume(const std::string& id, const std::string& by);

  // Marks it cancelled by `by`, with the same conditions and errors as consume(); returns what
  // was cancelled.
  Result<Confirmation> cancel(const std::string& id, const std::string& by);

 private:
  Result<Confirmation> resolve(const std::string& id, const std::string& by,
                               const char* resolution);

  Database& db_;
  const Clock& clock_;
};

}  // namespace patbot::storage
