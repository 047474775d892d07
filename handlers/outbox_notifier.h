// OutboxNotifier: the slack::Notifier that patbot's announcements go through (the watcher's
// digests and automatic rotations, rotation and revoke results, start-up recovery, the revoke
// scheduler, the audit trail's head), so that Slack failing delays them instead of losing them.
//
// post() queues the message in SQLite (WatcherStore's outbox) and flushes the outbox:
//   - the notices of one channel are posted in the order they were queued;
//   - a notice Slack refuses is retried with back-off (firstBackoff, doubling per failed attempt,
//     at most maxBackoff) and holds up the later notices of its own channel only;
//   - a notice is posted once: it is marked sent in SQLite as soon as Slack takes it, and the
//     queue survives a restart;
//   - an empty channel queues and posts nothing: the message is logged only;
//   - when the outbox cannot be written (the database failing), the message is posted once,
//     directly.
// respond() and update() go straight to the wrapped notifier: a response_url or a message being
// edited has no use for a retry minutes later.
//
// Threading: any thread. flush() calls are serialised; post() blocks while it flushes. Retries
// happen at the next flush(): post() and ExpiryWatcher::runOnce() flush, and the watcher's
// background thread (ExpiryWatcher::start) calls flush() on every tick between its scans (without
// that thread, as in the demo, a refused notice waits for the next post or scan).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "slack/notifier.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

struct OutboxOptions {
  std::chrono::seconds firstBackoff{5};            // after a failed post; doubles each time
  std::chrono::seconds maxBackoff{15 * 60};
};

class OutboxNotifier final : public slack::Notifier {
 public:
  // Borrows everything; all must outlive it. `slack` is the notifier that really posts.
  OutboxNotifier(storage::WatcherStore& store, slack::Notifier& slack, const Clock& clock, MetricsRegistry& metrics,
                 OutboxOptions options = {});

  // Queues `message` (as a channel message: never ephemeral) for `channel` and flushes: posted now
  // if Slack takes it and nothing of its channel waits before it, else later. Ok once queued (or
  // logged, for an empty channel); PostedMessage::ts is always empty, since the post may come
  // later. Error only when the outbox cannot be written and the direct post fails too.
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& message) override;
  Status respond(const std::string& responseUrl, const slack::Message& message) override;
  Status update(const slack::PostedMessage& where, const slack::Message& message) override;

  // Queues `messages` for `channel`, in order, without flushing; `announced` (the watcher's
  // thresholds) is recorded in the same transaction, so a notice is queued if and only if its
  // announcement is recorded. An empty `channel` queues nothing (`announced` is still recorded;
  // the caller logs what it announces).
  Status queue(const std::string& channel, const std::vector<slack::Message>& messages,
               const std::vector<storage::Announcement>& announced = {});

  // Posts every due notice in order; a refused one is rescheduled and holds up the later notices
  // of its channel (other channels go on).
  void flush();

 private:
  void updatePendingGauge();

  storage::WatcherStore& store_;
  slack::Notifier& slack_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  OutboxOptions options_;
  std::mutex flushMutex_;   // one flush at a time
};

}  // namespace patbot::handlers
