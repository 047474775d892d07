#include "handlers/expiry_watcher.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/request_context.h"
#include "handlers/rotation_messages.h"
#include "handlers/tracking_issue_text.h"

namespace patbot::handlers {
namespace {

constexpr const char* kExpiryGauge = "patbot_token_expiry_timestamp_seconds";
constexpr const char* kDaysGauge = "patbot_token_days_remaining";
constexpr const char* kScanDuration = "patbot_scan_duration_seconds";
constexpr const char* kLastScan = "patbot_last_successful_scan_timestamp_seconds";
constexpr const char* kScanErrors = "patbot_scan_errors_total";
constexpr const char* kExpiredThreshold = "expired";

double epochSeconds(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

// True when another unrevoked, unexpired token of the same name on the same owner (`account`: a
// service account, project or group) outlives `t`.
bool replaced(const gitlab::AccountTokens& account, const gitlab::AccessToken& t, Date today) {
  return std::any_of(account.tokens.begin(), account.tokens.end(), [&](const gitlab::AccessToken& o) {
    if (o.id == t.id || o.revoked || o.name != t.name) return false;
    if (o.expiresAt && *o.expiresAt <= today) return false;
    return !o.expiresAt || (t.expiresAt && *o.expiresAt > *t.expiresAt);
  });
}

bool hasConsumers(const TokenPolicy& p) { return !p.ciVariables.empty() || !p.groupVariables.empty(); }

}  // namespace

struct ExpiryWatcher::Candidate {
  gitlab::TokenOwner account;
  gitlab::AccessToken token;
  int daysLeft = 0;
  std::vector<std::string> crossed;   // thresholds reached, e.g. {"30", "14", "expired"}
  bool noReplacement = false;
  std::string issueLabel, issueUrl;
};

ExpiryWatcher::ExpiryWatcher(gitlab::GitLabApi& gitlab, storage::WatcherStore& store, OutboxNotifier& outbox,
                             CachedInventory& inventory, TrackingIssues& trackingIssues, RotationEngine* engine,
                             const Clock& clock, const Policy& policy, MetricsRegistry& metrics,
                             WatcherOptions options)
    : gitlab_(gitlab),
      store_(store),
      outbox_(outbox),
      inventory_(inventory),
      trackingIssues_(trackingIssues),
      engine_(engine),
      clock_(clock),
      policy_(policy),
      metrics_(metrics),
      options_(std::move(options)) {
  if (!options_.jitter) {
    options_.jitter = [] {
      thread_local std::mt19937 rng{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
  metrics_.declareGauge(kExpiryGauge, "Expiry of each unrevoked token (00:00 UTC of expires_at).");
  metrics_.declareGauge(kDaysGauge, "Whole days until each unrevoked token expires (negative once expired).");
  metrics_.declareHistogram(kScanDuration, "Duration of the watcher's GitLab inventory scans.",
                            {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300});
  metrics_.declareGauge(kLastScan, "Time of the last complete watcher scan.");
  metrics_.declareCounter(kScanErrors, "Watcher scans that could not list every token.");
  metrics_.inc(kScanErrors, {}, 0);
}

ExpiryWatcher::~ExpiryWatcher() { stop(); }

ScanReport ExpiryWatcher::runOnce() {
  std::lock_guard lock(scanMutex_);
  ScanReport report;
  try {
    report = scan();
  } catch (const std::exception& e) {
    spdlog::error("watcher: scan failed unexpectedly: {}", e.what());
    report.error = "internal error";
  }
  outbox_.flush();
  return report;
}

ScanReport ExpiryWatcher::scan() {
  ScanReport report;
  const SteadyTimePoint started = clock_.steadyNow();
  auto fresh = gitlab_.inventory();
  const TimePoint now = clock_.now();
  const Date today = utcDay(now);
  std::optional<DigestStaleness> stale;
  std::optional<InventorySnapshot> data;
  if (fresh) {
    report.scanned = true;
    metrics_.observe(kScanDuration, {},
                     std::chrono::duration<double>(clock_.steadyNow() - started).count());
    metrics_.set(kLastScan, {}, epochSeconds(now));
    updateTokenGauges(*fresh);
    inventory_.save(*fresh, now);
    data = InventorySnapshot{std::move(*fresh), now, std::chrono::seconds(0)};
  } else {
    metrics_.inc(kScanErrors);
    report.error = fresh.error().message;
    spdlog::warn("watcher: scan failed, using the last complete scan: {}", fresh.error().detail.empty()
                                                                            ? fresh.error().message
                                                                            : fresh.error().detail);
    data = inventory_.latest();
    if (!data) return report;
    report.stale = true;
    stale = DigestStaleness{data->takenAt, fresh.error().message};
  }

  auto announced = store_.announcements();
  if (!announced) {
    spdlog::error("watcher: cannot read announced thresholds, nothing announced: {}", announced.error().detail);
    return report;
  }
  std::vector<Candidate> list = candidates(data->inventory, today);
  report.tokensNeedingAttention = static_cast<int>(list.size());

  std::vector<nlohmann::json> rotationMessages;
  std::vector<Candidate> remaining;
  for (auto& c : list) {
    const TokenPolicy* policy = policy_.tokenFor(c.account.kind, c.account.username, c.token.name);
    bool eligible = engine_ && !stale && policy_.watch.autoRotateDaysBefore > 0 &&
                    c.daysLeft <= policy_.watch.autoRotateDaysBefore && policy && hasConsumers(*policy);
    if (eligible) {
      ++report.autoRotations;
      if (autoRotate(c, today)) continue;
    }
    remaining.push_back(std::move(c));
  }

  std::vector<DigestEntry> entries;
  std::vector<storage::Announcement> newPairs;
  for (auto& c : remaining) {
    const auto& seen = (*announced)[c.token.id];
    std::vector<std::string> newlyCrossed;
    for (const auto& t : c.crossed) {
      if (!seen.count(t)) newlyCrossed.push_back(t);
    }
    if (!policy_.watch.trackingProject.empty()) ensureTrackingIssue(c, /*mayCallGitLab=*/!stale, &report.issuesOpened);
    if (newlyCrossed.empty()) continue;
    for (const auto& t : newlyCrossed) newPairs.push_back({c.token.id, t});
    entries.push_back(DigestEntry{c.account.username, c.token.name, c.token.id, *c.token.expiresAt, c.daysLeft,
                                  c.noReplacement, c.issueLabel, c.issueUrl, c.account.kind});
  }
  report.newlyAnnounced = static_cast<int>(entries.size());

  if (options_.notifyChannel.empty()) {
    for (const auto& e : entries) spdlog::warn("watcher: {}", digestLine(e));
  }
  if (!newPairs.empty()) {
    if (auto s = outbox_.queue(options_.notifyChannel, digestMessages(entries, stale), newPairs); !s) {
      spdlog::error("watcher: digest not recorded (it will be tried again next scan): {}", s.error().detail);
    }
  }
  return report;
}

std::vector<ExpiryWatcher::Candidate> ExpiryWatcher::candidates(const gitlab::Inventory& inventory, Date today) const {
  std::vector<Candidate> out;
  for (const auto& entry : inventory.accounts) {
    for (const auto& t : entry.tokens) {
      if (t.revoked || !t.expiresAt || replaced(entry, t, today)) continue;
      Candidate c;
      c.account = entry.account;
      c.token = t;
      c.daysLeft = static_cast<int>((*t.expiresAt - today).count());
      for (int d : policy_.watch.warnDays) {
        if (c.daysLeft <= d) c.crossed.push_back(std::to_string(d));
      }
      if (c.daysLeft <= 0) {
        c.crossed.push_back(kExpiredThreshold);
        c.noReplacement = true;   // replaced() found no active token of the same name
      }
      if (c.crossed.empty()) continue;
      if (const TokenPolicy* p = policy_.tokenFor(c.account.kind, c.account.username, t.name); p && p->trackingIssue) {
        c.issueLabel = fmt::format("{}#{}", p->trackingIssue->project, p->trackingIssue->iid);
      }
      out.push_back(std::move(c));
    }
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.daysLeft, a.account.username, a.account.kind, a.token.name, a.token.id) <
           std::tie(b.daysLeft, b.account.username, b.account.kind, b.token.name, b.token.id);
  });
  return out;
}

bool ExpiryWatcher::autoRotate(const Candidate& c, Date today) {
  RotationRequest request;
  request.tokenText = std::to_string(c.token.id);
  request.actor = "watcher";
  request.requestKey = fmt::format("watcher:{}:{}", c.token.id, formatDate(today));
  request.channelId = options_.notifyChannel;
  auto plan = engine_->plan(request);
  if (!plan) {
    spdlog::warn("watcher: cannot plan the automatic rotation of token {}: {}", c.token.id, plan.error().message);
    return false;
  }
  if (plan->blockedBy) {
    spdlog::info("watcher: token {} already has rotation #{} unfinished; not starting another", c.token.id,
                 plan->blockedBy->rotationId);
    return false;
  }
  NullProgressSink sink;
  auto result = engine_->execute(*plan, request, sink);
  if (!result) {
    spdlog::warn("watcher: automatic rotation of token {} not started: {}", c.token.id, result.error().message);
    return false;
  }
  const bool done = result->state == storage::RotationState::kCompleted ||
                    result->state == storage::RotationState::kRevokeScheduled;
  if (!result->duplicate) {
    auto message = resultMessage(*plan, *result, "watcher");
    spdlog::info("watcher: automatic rotation of token {}: {}", c.token.id, result->summary);
    if (auto s = outbox_.queue(options_.notifyChannel, {message}); !s) {
      spdlog::error("watcher: rotation announcement not queued: {}", s.error().detail);
    }
  }
  return done;
}

bool ExpiryWatcher::ensureTrackingIssue(Candidate& c, bool mayCallGitLab, int* opened) {
  if (!c.issueLabel.empty()) return true;   // the [[token]] entry names one
  const std::string& project = policy_.watch.trackingProject;
  auto remembered = trackingIssues_.remembered(c.token.id);
  if (!remembered) {
    spdlog::warn("watcher: {}", remembered.error().detail);
    return false;
  }
  if (*remembered && (*remembered)->project == project && (*remembered)->state == "opened") {
    c.issueLabel = fmt::format("{}#{}", project, (*remembered)->iid);
    c.issueUrl = (*remembered)->webUrl;
    return true;
  }
  if (!mayCallGitLab) return false;
  const std::string title = trackingIssueTitle(c.account, c.token.name, c.token.id);
  gitlab::IssueQuery query;
  query.labels = {kTrackingLabel};
  query.search = fmt::format("(id {})", c.token.id);
  auto found = gitlab_.listIssues(project, query);
  if (!found) {
    spdlog::warn("watcher: cannot look for the tracking issue of token {}: {}", c.token.id, found.error().message);
    return false;
  }
  std::optional<gitlab::Issue> issue;
  for (const auto& i : *found) {
    if (i.state == "opened" && i.title == title) issue = i;
  }
  if (!issue) {
    const TokenPolicy* policy = policy_.tokenFor(c.account.kind, c.account.username, c.token.name);
    gitlab::IssueSpec spec{title,
                           trackingIssueDescription(c.account, c.token, c.daysLeft, policy, policy_),
                           {kTrackingLabel}};
    auto created = gitlab_.createIssue(project, spec);
    if (!created) {
      spdlog::warn("watcher: cannot open the tracking issue of token {}: {}", c.token.id, created.error().message);
      return false;
    }
    issue = *created;
    ++*opened;
    spdlog::info("watcher: opened tracking issue {}#{} for token {}", project, issue->iid, c.token.id);
  }
  storage::TrackingIssueRecord record{c.token.id, project, issue->iid, "opened", issue->webUrl};
  if (auto s = trackingIssues_.remember(record); !s) spdlog::error("watcher: {}", s.error().detail);
  c.issueLabel = fmt::format("{}#{}", project, issue->iid);
  c.issueUrl = issue->webUrl;
  return true;
}

void ExpiryWatcher::updateTokenGauges(const gitlab::Inventory& inventory) {
  metrics_.clear(kExpiryGauge);
  metrics_.clear(kDaysGauge);
  const Date today = utcDay(clock_.now());
  for (const auto& entry : inventory.accounts) {
    for (const auto& t : entry.tokens) {
      if (t.revoked || !t.expiresAt) continue;
      // kind: personal, project or group; account: the username, or the project's / group's full path.
      Labels labels{{"kind", gitlab::tokenKindName(entry.account.kind)},
                    {"account", entry.account.username},
                    {"token_name", t.name},
                    {"token_id", std::to_string(t.id)}};
      // Straight from days (never through nanoseconds, which end in 2262).
      metrics_.set(kExpiryGauge, labels, std::chrono::duration<double>(t.expiresAt->time_since_epoch()).count());
      metrics_.set(kDaysGauge, labels, static_cast<double>((*t.expiresAt - today).count()));
    }
  }
}

void ExpiryWatcher::start() {
  std::lock_guard lock(loopMutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void ExpiryWatcher::stop() {
  {
    std::lock_guard lock(loopMutex_);
    stopping_ = true;
  }
  loopWake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ExpiryWatcher::loop() {
  const auto interval = std::chrono::minutes(std::max(1, policy_.watch.intervalMinutes));
  TimePoint nextScan = clock_.now();
  std::unique_lock lock(loopMutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      RequestScope scope(newRequestId());
      const TimePoint now = clock_.now();
      if (now >= nextScan) {
        auto r = runOnce();
        spdlog::info("watcher: scan {}: {} token(s) need attention, {} newly announced",
                     r.scanned ? "complete" : "failed (" + r.error + ")", r.tokensNeedingAttention, r.newlyAnnounced);
        double extra = std::clamp(options_.jitter(), 0.0, 1.0) * 0.1;
        // Counted from the scan's start, so a clock that moves while the scan runs is not lost.
        nextScan = now + std::chrono::duration_cast<TimePoint::duration>(interval * (1.0 + extra));
      } else {
        outbox_.flush();   // retries notices Slack refused, between scans
      }
    } catch (const std::exception& e) {
      spdlog::error("watcher: loop iteration failed: {}", e.what());
    }
    lock.lock();
    auto untilScan = std::chrono::duration_cast<std::chrono::milliseconds>(nextScan - clock_.now());
    auto wait = std::clamp(untilScan, std::chrono::milliseconds(1), options_.tick);
    loopWake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace patbot::handlers
