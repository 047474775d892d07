// AuditHeadPublisher: puts the audit trail's head (the newest row's id and hash) outside the
// database once a day, so that a trail later rewritten or truncated as a whole can be told from
// the one that was published (`patbot audit verify --expect-head ID:HASH`).
//
// tick() publishes when there is no last publication, or it is `interval` (24 h) old or more, or
// it lies `interval` or more in the future (the clock was set back). A publication, in order:
//   1. reads the head, row N with hash H (nothing happens while the trail is empty);
//   2. posts "Audit trail head: row N, sha256 H …" to the channel through `notifier` and logs it
//      at info;
//   3. appends the row that records it: actor "patbot", action "audit.head", target
//      "audit-trail", outcome "published", detail {head_id: N, head_hash: H, channel}.
// So the published head is always an earlier row than the one recording its publication (which
// is part of the next head). The time of the last publication is that row's ts, read back from
// the trail on the first tick: restarts never publish twice within `interval`. When the row
// cannot be appended, the publication is remembered in memory only (no repeat within `interval`
// while this process runs; a restart publishes again). Nothing is published while the last
// publication cannot be read (storage failing); the next tick tries again.
//
// The head is not verified before it is published: a check against a head whose chain is already
// broken fails anyway, since --expect-head verifies the whole chain.
//
// Threading: tick() may be called from any thread; calls are serialised.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "slack/notifier.h"
#include "storage/audit_store.h"

namespace patbot {

class AuditHeadPublisher {
 public:
  static constexpr const char* kAction = "audit.head";
  static constexpr const char* kActor = "patbot";
  static constexpr const char* kTarget = "audit-trail";

  // Borrows `audit`, `clock` and `notifier`; all must outlive the publisher. `notifier` posts to
  // `channel` (patbot serve: the OutboxNotifier, delayed rather than lost when Slack fails). An
  // empty channel means the log line is the only copy.
  AuditHeadPublisher(storage::AuditStore& audit, const Clock& clock, std::string channel, slack::Notifier& notifier,
                     std::chrono::hours interval = std::chrono::hours(24));

  // Publishes the head when due (see above); true when it did. Never throws.
  bool tick();

  // The text posted and logged for `head`.
  static std::string messageText(const storage::AuditHead& head);

 private:
  // The last publication's time from the trail: nullopt-in-optional when there is none; an
  // error when it cannot be read.
  Result<std::optional<TimePoint>> lastPublication();

  storage::AuditStore& audit_;
  const Clock& clock_;
  std::string channel_;
  slack::Notifier& notifier_;
  std::chrono::hours interval_;

  std::mutex mutex_;
  bool loaded_ = false;                 // last_ was read from the trail
  std::optional<TimePoint> last_;       // the last publication, once loaded_
};

}  // namespace patbot
