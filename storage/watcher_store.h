// WatcherStore: the expiry watcher's state in SQLite (tables of migration 3), so that a restart
// neither repeats nor loses a notice:
//   watcher_snapshot       the last complete inventory (JSON of accounts and tokens) and its time
//   watcher_announcements  (token_id, threshold) pairs already announced ("30", …, "expired")
//   watcher_outbox         notices to post, in id order, with attempts and back-off; sent_at once sent
//   tracking_issues        token_id → the GitLab issue opened for it (project, iid, state)
// No table holds a secret value: JSON columns go through jsonColumnText (credential-shaped text
// is redacted).
//
// Threading: every method holds the Database's write mutex for its statements; safe from any
// thread. Nothing throws; SQLite failures come back as Error kStorage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace patbot::storage {

struct WatcherSnapshot {
  nlohmann::json inventory;   // as given to saveSnapshot
  TimePoint takenAt;
};

struct Announcement {
  int64_t tokenId = 0;
  std::string threshold;      // a warn_days value as text, or "expired"
};

struct PendingNotice {
  int64_t id = 0;
  std::string channel;
  nlohmann::json message;     // as given to recordDigest
  TimePoint createdAt;
  int attempts = 0;
  TimePoint nextAttemptAt;
};

struct TrackingIssueRecord {
  int64_t tokenId = 0;
  std::string project;        // id or path, as configured
  int64_t iid = 0;
  std::string state = "opened";
  std::string webUrl;
};

class WatcherStore {
 public:
  // Borrows `db` and `clock`; both must outlive the store.
  WatcherStore(Database& db, const Clock& clock);

  // Replaces the snapshot.
  Status saveSnapshot(const nlohmann::json& inventory, TimePoint takenAt);
  // nullopt before the first complete scan.
  Result<std::optional<WatcherSnapshot>> loadSnapshot();

  // Every announced threshold, by token id.
  Result<std::map<int64_t, std::set<std::string>>> announcements();
  // In one transaction: records `announced` (pairs already present are kept as they are) and
  // queues each of `messages` for `channel`, in order, due now. Either all of it is stored or
  // nothing. An empty `channel` queues nothing (the announcements are still recorded).
  Status recordDigest(const std::vector<Announcement>& announced, const std::string& channel,
                      const std::vector<nlohmann::json>& messages);

  // Unsent notices, oldest first (due or not: the caller keeps their order).
  Result<std::vector<PendingNotice>> pendingNotices();
  Result<int> pendingCount();
  // Sets sent_at; the notice is never returned again.
  Status markSent(int64_t noticeId);
  // Counts a failed attempt and sets the next attempt's time. `error` is a log sentence.
  Status markFailed(int64_t noticeId, TimePoint nextAttemptAt, const std::string& error);

  Result<std::optional<TrackingIssueRecord>> trackingIssue(int64_t tokenId);
  // Inserts or replaces the token's issue.
  Status saveTrackingIssue(const TrackingIssueRecord& record);

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace patbot::storage
