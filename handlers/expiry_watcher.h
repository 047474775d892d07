// ExpiryWatcher: finds expiring service-account tokens before they break anything (issue 4).
//
// One scan (runOnce): gitlab.inventory(); on success the result becomes the last complete
// snapshot (SQLite) and the per-token gauges are rebuilt; on failure the scan error is counted
// and the last complete snapshot is used instead, marked stale in the digest (a token is never
// reported missing because a scan failed). For every unrevoked token that has not been rotated
// (no active token of the same name on the account with a later expiry), each warn_days
// threshold it has reached, and "expired", is announced once (remembered in SQLite across
// restarts): all newly crossed tokens of a scan go into one digest (digestMessages), queued in
// the SQLite outbox and then posted to the notification channel in order. A notice that Slack
// refuses is retried with back-off (5 s doubling to 15 min) on later loop iterations and sent
// once; it holds up later notices of its own channel only. Without a notification channel,
// notices go to the log only. Other parts of patbot queue their announcements in the same outbox
// through notify(), so that Slack failing delays them instead of losing them.
//
// With [watch] tracking_project set, a token crossing a threshold gets one open GitLab issue
// (label pat-expiry): an open one found by title is reused, else one is created; its iid is
// remembered so a restart never opens a second. With auto_rotate_days_before > 0, a token with
// a [[token]] entry naming consumers is rotated through the RotationEngine, as actor "watcher",
// once within that many days of expiry (request key "watcher:<id>:<UTC date>"), and the result
// is announced; tokens without consumers are only warned about. A scan on stale data (GitLab
// failing) neither looks for or opens issues nor rotates: it only announces (linking issues it
// already remembers), and later scans catch up.
//
// Threading: runOnce(), flushOutbox(), latestInventory() and trackingIssueFor() may be called
// from any thread; scans never overlap (a second runOnce waits for the first). start() runs a
// background thread: a scan at once, then every interval_minutes plus up to 10% jitter, and
// outbox retries in between. stop() (and the destructor) wait for a running scan to end,
// including an auto-rotation it started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "gitlab/gitlab_api.h"
#include "handlers/expiry_digest.h"
#include "handlers/inventory_snapshot.h"
#include "handlers/policy.h"
#include "handlers/rotation_engine.h"
#include "slack/notifier.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

inline constexpr const char* kTrackingLabel = "pat-expiry";

struct WatcherOptions {
  std::string notifyChannel;                       // "" = log and metrics only
  std::chrono::seconds firstBackoff{5};            // after a failed post; doubles each time
  std::chrono::seconds maxBackoff{15 * 60};
  std::chrono::milliseconds tick{5000};            // how often the background thread wakes
  std::function<double()> jitter;                  // in [0, 1); default uniform random
};

// What one scan did, for the CLI, tests and logs.
struct ScanReport {
  bool scanned = false;           // GitLab answered completely
  bool stale = false;             // figures came from an older snapshot
  std::string error;              // the scan error, when not scanned
  int tokensNeedingAttention = 0;
  int newlyAnnounced = 0;         // tokens in this scan's digest
  int issuesOpened = 0;
  int autoRotations = 0;          // automatic rotations attempted
};

class ExpiryWatcher {
 public:
  // Borrows everything; all must outlive the watcher. `engine` may be null (no auto-rotation).
  ExpiryWatcher(gitlab::GitLabApi& gitlab, storage::WatcherStore& store, slack::Notifier& notifier,
                RotationEngine* engine, const Clock& clock, const Policy& policy, MetricsRegistry& metrics,
                WatcherOptions options = {});
  ~ExpiryWatcher();
  ExpiryWatcher(const ExpiryWatcher&) = delete;
  ExpiryWatcher& operator=(const ExpiryWatcher&) = delete;

  // One scan, then an outbox flush. Never throws.
  ScanReport runOnce();
  // Posts due notices in order; a failure is rescheduled and holds up the later notices of its
  // channel (other channels go on).
  void flushOutbox();
  // Queues `message` for `channel` in the outbox and flushes it: posted now if Slack takes it,
  // else retried with the back-off above, never twice. When the outbox cannot be written (the
  // database failing) the message is posted once directly. Any thread; blocks while posting.
  void notify(const std::string& channel, const slack::Message& message);

  void start();
  void stop();

  // The last complete inventory (from memory, else SQLite) and its age; nullopt before any.
  std::optional<InventorySnapshot> latestInventory();
  // The open tracking issue the watcher opened for a token (the RotationEngine's hook).
  std::optional<IssueRef> trackingIssueFor(int64_t tokenId);

 private:
  struct Candidate;

  ScanReport scan();
  std::vector<Candidate> candidates(const gitlab::Inventory& inventory, Date today) const;
  bool autoRotate(const Candidate& c, Date today);
  // Finds or opens the token's issue; with !mayCallGitLab only a remembered one is used.
  bool ensureTrackingIssue(Candidate& c, bool mayCallGitLab, int* opened);
  void updateTokenGauges(const gitlab::Inventory& inventory);
  void updatePendingGauge();
  void loop();

  gitlab::GitLabApi& gitlab_;
  storage::WatcherStore& store_;
  slack::Notifier& notifier_;
  RotationEngine* engine_;
  const Clock& clock_;
  const Policy& policy_;
  MetricsRegistry& metrics_;
  WatcherOptions options_;

  std::mutex scanMutex_;                           // one scan at a time
  std::mutex flushMutex_;                          // one outbox flush at a time
  std::mutex snapshotMutex_;
  std::optional<InventorySnapshot> snapshot_;      // guarded by snapshotMutex_

  std::mutex loopMutex_;
  std::condition_variable loopWake_;
  bool stopping_ = false;                          // guarded by loopMutex_
  std::thread thread_;
};

}  // namespace patbot::handlers
