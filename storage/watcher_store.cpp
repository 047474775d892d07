#include "storage/watcher_store.h"

#include <SQLiteCpp/Statement.h>

#include "core/time_format.h"
#include "storage/bind_values.h"
#include "storage/json_column.h"

namespace patbot::storage {
namespace {

TimePoint timeColumn(const SQLite::Column& c) {
  return parseTimestamp(c.getString()).value_or(TimePoint{});
}

}  // namespace

WatcherStore::WatcherStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Status WatcherStore::saveSnapshot(const nlohmann::json& inventory, TimePoint takenAt) {
  return db_.write("saving the watcher's inventory snapshot", [&](SQLite::Database& conn) -> Status {
    SQLite::Statement q(conn,
                        "INSERT INTO watcher_snapshot(id, taken_at, inventory) VALUES (1, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET taken_at = excluded.taken_at, inventory = excluded.inventory");
    q.bind(1, formatTimestamp(takenAt));
    q.bind(2, jsonColumnText(inventory));
    q.exec();
    return okStatus();
  });
}

Result<std::optional<WatcherSnapshot>> WatcherStore::loadSnapshot() {
  return db_.read("reading the watcher's inventory snapshot",
                  [](SQLite::Database& conn) -> Result<std::optional<WatcherSnapshot>> {
    SQLite::Statement q(conn, "SELECT taken_at, inventory FROM watcher_snapshot WHERE id = 1");
    if (!q.executeStep()) return std::optional<WatcherSnapshot>();
    WatcherSnapshot s;
    s.takenAt = timeColumn(q.getColumn(0));
    s.inventory = parseJsonColumn(q.getColumn(1).getString());
    return std::optional<WatcherSnapshot>(std::move(s));
  });
}

Result<std::map<int64_t, std::set<std::string>>> WatcherStore::announcements() {
  return db_.read("reading the watcher's announcements",
                  [](SQLite::Database& conn) -> Result<std::map<int64_t, std::set<std::string>>> {
    std::map<int64_t, std::set<std::string>> out;
    SQLite::Statement q(conn, "SELECT token_id, threshold FROM watcher_announcements");
    while (q.executeStep()) out[q.getColumn(0).getInt64()].insert(q.getColumn(1).getString());
    return out;
  });
}

Status WatcherStore::recordDigest(const std::vector<Announcement>& announced, const std::string& channel,
                                  const std::vector<nlohmann::json>& messages) {
  return db_.writeTransaction("recording the watcher's digest", [&](SQLite::Database& conn) -> Status {
    const std::string now = formatTimestamp(clock_.now());
    SQLite::Statement ann(conn,
                          "INSERT OR IGNORE INTO watcher_announcements(token_id, threshold, announced_at) "
                          "VALUES (?, ?, ?)");
    for (const auto& a : announced) {
      ann.bind(1, a.tokenId);
      ann.bind(2, a.threshold);
      ann.bind(3, now);
      ann.exec();
      ann.reset();
    }
    if (!channel.empty()) {
      SQLite::Statement ins(conn,
                            "INSERT INTO watcher_outbox(channel, message, created_at, next_attempt_at) "
                            "VALUES (?, ?, ?, ?)");
      for (const auto& m : messages) {
        ins.bind(1, channel);
        ins.bind(2, jsonColumnText(m));
        ins.bind(3, now);
        ins.bind(4, now);
        ins.exec();
        ins.reset();
      }
    }
    return okStatus();
  });
}

Result<std::vector<PendingNotice>> WatcherStore::pendingNotices() {
  return db_.read("reading the watcher's pending notices",
                  [](SQLite::Database& conn) -> Result<std::vector<PendingNotice>> {
    std::vector<PendingNotice> out;
    SQLite::Statement q(conn,
                        "SELECT id, channel, message, created_at, attempts, next_attempt_at FROM watcher_outbox "
                        "WHERE sent_at IS NULL ORDER BY id");
    while (q.executeStep()) {
      PendingNotice n;
      n.id = q.getColumn(0).getInt64();
      n.channel = q.getColumn(1).getString();
      n.message = parseJsonColumn(q.getColumn(2).getString());
      n.createdAt = timeColumn(q.getColumn(3));
      n.attempts = q.getColumn(4).getInt();
      n.nextAttemptAt = timeColumn(q.getColumn(5));
      out.push_back(std::move(n));
    }
    return out;
  });
}

Result<int> WatcherStore::pendingCount() {
  return db_.read("counting the watcher's pending notices", [](SQLite::Database& conn) -> Result<int> {
    SQLite::Statement q(conn, "SELECT COUNT(*) FROM watcher_outbox WHERE sent_at IS NULL");
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

Status WatcherStore::markSent(int64_t noticeId) {
  return db_.write("marking a watcher notice sent", [&](SQLite::Database& conn) -> Status {
    SQLite::Statement q(conn, "UPDATE watcher_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?");
    q.bind(1, formatTimestamp(clock_.now()));
    q.bind(2, noticeId);
    q.exec();
    return okStatus();
  });
}

Status WatcherStore::markFailed(int64_t noticeId, TimePoint nextAttemptAt, const std::string& error) {
  return db_.write("recording a failed watcher notice", [&](SQLite::Database& conn) -> Status {
    SQLite::Statement q(conn,
                        "UPDATE watcher_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                        "WHERE id = ?");
    q.bind(1, formatTimestamp(nextAttemptAt));
    q.bind(2, error);
    q.bind(3, noticeId);
    q.exec();
    return okStatus();
  });
}

Result<std::optional<TrackingIssueRecord>> WatcherStore::trackingIssue(int64_t tokenId) {
  return db_.read("reading a tracking issue",
                  [&](SQLite::Database& conn) -> Result<std::optional<TrackingIssueRecord>> {
    SQLite::Statement q(conn, "SELECT project, iid, state, web_url FROM tracking_issues WHERE token_id = ?");
    q.bind(1, tokenId);
    if (!q.executeStep()) return std::optional<TrackingIssueRecord>();
    TrackingIssueRecord r;
    r.tokenId = tokenId;
    r.project = q.getColumn(0).getString();
    r.iid = q.getColumn(1).getInt64();
    r.state = q.getColumn(2).getString();
    r.webUrl = q.getColumn(3).getString();
    return std::optional<TrackingIssueRecord>(std::move(r));
  });
}

Status WatcherStore::saveTrackingIssue(const TrackingIssueRecord& record) {
  return db_.write("saving a tracking issue", [&](SQLite::Database& conn) -> Status {
    const std::string now = formatTimestamp(clock_.now());
    SQLite::Statement q(conn,
                        "INSERT INTO tracking_issues(token_id, project, iid, state, web_url, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(token_id) DO UPDATE SET project = excluded.project, "
                        "iid = excluded.iid, state = excluded.state, web_url = excluded.web_url, "
                        "updated_at = excluded.updated_at");
    bindValues(q, record.tokenId, record.project, record.iid, record.state, record.webUrl, now, now);
    q.exec();
    return okStatus();
  });
}

}  // namespace patbot::storage
