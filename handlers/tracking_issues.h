// TrackingIssues: the GitLab issues the expiry watcher opened for expiring tokens, as remembered
// in SQLite (WatcherStore). The watcher remembers the issue it finds or opens for a token; the
// rotation engine closes a token's open issue when the token is rotated, whoever rotates it
// (Slack, CLI or the watcher). One object, built by makeRotationEngine (rotation_engine_parts.h),
// serves both. Thread-safe as WatcherStore is.
#pragma once

#include <cstdint>
#include <optional>

#include "core/result.h"
#include "handlers/policy.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

class TrackingIssues {
 public:
  // Borrows `store`; it must outlive this object.
  explicit TrackingIssues(storage::WatcherStore& store) : store_(store) {}
  // The issue still open for `tokenId`; nullopt when there is none or it cannot be read.
  std::optional<IssueRef> openFor(int64_t tokenId) const;
  // The issue remembered for `tokenId`, whatever its state; nullopt when none.
  Result<std::optional<storage::TrackingIssueRecord>> remembered(int64_t tokenId) const;
  // Remembers `record` as its token's issue (replacing an earlier one).
  Status remember(const storage::TrackingIssueRecord& record) const;

 private:
  storage::WatcherStore& store_;
};

}  // namespace patbot::handlers
