// ExpiryWatcher: finds expiring tokens before they break anything (issue 4): service accounts'
// personal tokens, project and group access tokens alike (issue 16), each named in warnings,
// digests and issues with its kind ("project sec/app · deploy-token"; personal tokens as ever,
// "inventory-bot / registry").
//
// One scan (runOnce): gitlab.inventory(); on success the result is saved in the CachedInventory
// (memory and SQLite, shared with `/pat status`) and the per-token gauges are rebuilt (labels
// kind, account — the username, or the project's / group's full path — token_name, token_id); on
// failure the scan error is counted and the cache's last complete scan is used instead, marked
// stale in the digest (a token is never reported missing because a scan failed). For every
// unrevoked token that has not been rotated (no active token of the same name on the same owner
// with a later expiry), each warn_days threshold it has reached, and "expired", is announced once
// (remembered by token id in SQLite across restarts): all newly crossed tokens of a scan go into
// one digest (digestMessages), queued in the OutboxNotifier together with the record of their
// announcement, and posted when the scan ends. Without a notification channel, notices go to the
// log only. Delivery (order, retries with back-off, never twice) is the OutboxNotifier's.
//
// With [watch] tracking_project set, a token crossing a threshold gets one open GitLab issue
// (label pat-expiry): an open one found by title (trackingIssueTitle: kind, owner, name and token
// id, so a project's token and a service account's of the same name never share one) is reused,
// else one is created; it is remembered by token id in TrackingIssues (the object the
// RotationEngine closes issues through), so a restart never opens a second. With
// auto_rotate_days_before > 0, a token with a [[token]] entry naming consumers is rotated through
// the RotationEngine, as actor "watcher", once within that many days of expiry (request key
// "watcher:<id>:<UTC date>"), and the result is announced; tokens without consumers are only
// warned about. A scan on stale data (GitLab failing) neither looks for or opens issues nor
// rotates: it only announces (linking issues it already remembers), and later scans catch up.
//
// Threading: runOnce() may be called from any thread; scans never overlap (a second runOnce
// waits for the first). start() runs a background thread: a scan at once, then every
// interval_minutes plus up to 10% jitter, and in between, every `tick`, an OutboxNotifier::flush()
// (what retries notices Slack refused). stop() (and the destructor) wait for a running scan to
// end, including an auto-rotation it started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "gitlab/gitlab_api.h"
#include "handlers/cached_inventory.h"
#include "handlers/expiry_digest.h"
#include "handlers/outbox_notifier.h"
#include "handlers/policy.h"
#include "handlers/rotation_engine.h"
#include "handlers/tracking_issues.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

inline constexpr const char* kTrackingLabel = "pat-expiry";

struct WatcherOptions {
  std::string notifyChannel;                       // "" = log and metrics only
  std::chrono::milliseconds tick{5000};            // how often the background thread wakes
  std::function<double()> jitter;                  // in [0, 1); stretches scan intervals; default uniform
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
  // Borrows everything; all must outlive the watcher. `store` keeps the announced thresholds;
  // `outbox`, `inventory` and `trackingIssues` are shared with the rest of patbot. `engine` may be
  // null (no auto-rotation).
  ExpiryWatcher(gitlab::GitLabApi& gitlab, storage::WatcherStore& store, OutboxNotifier& outbox,
                CachedInventory& inventory, TrackingIssues& trackingIssues, RotationEngine* engine,
                const Clock& clock, const Policy& policy, MetricsRegistry& metrics, WatcherOptions options = {});
  ~ExpiryWatcher();
  ExpiryWatcher(const ExpiryWatcher&) = delete;
  ExpiryWatcher& operator=(const ExpiryWatcher&) = delete;

  // One scan, then an outbox flush (its digest is posted, or waiting for a retry, when it
  // returns). Never throws.
  ScanReport runOnce();

  void start();
  void stop();

 private:
  struct Candidate;

  ScanReport scan();
  std::vector<Candidate> candidates(const gitlab::Inventory& inventory, Date today) const;
  bool autoRotate(const Candidate& c, Date today);
  // Finds or opens the token's issue; with !mayCallGitLab only a remembered one is used.
  bool ensureTrackingIssue(Candidate& c, bool mayCallGitLab, int* opened);
  void updateTokenGauges(const gitlab::Inventory& inventory);
  void loop();

  gitlab::GitLabApi& gitlab_;
  storage::WatcherStore& store_;
  OutboxNotifier& outbox_;
  CachedInventory& inventory_;
  TrackingIssues& trackingIssues_;
  RotationEngine* engine_;
  const Clock& clock_;
  const Policy& policy_;
  MetricsRegistry& metrics_;
  WatcherOptions options_;

  std::mutex scanMutex_;                           // one scan at a time

  std::mutex loopMutex_;
  std::condition_variable loopWake_;
  bool stopping_ = false;                          // guarded by loopMutex_
  std::thread thread_;
};

}  // namespace patbot::handlers
