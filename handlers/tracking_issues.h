// TrackingIssues: the GitLab issues the expiry watcher opened for expiring tokens, as remembered
// in SQLite (WatcherStore). The rotation engine closes a token's open issue when the token is
// rotated, whoever rotates it (Slack, CLI or the watcher). Thread-safe as WatcherStore is.
#pragma once

#include <cstdint>
#include <optional>

#include "handlers/policy.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

class TrackingIssues {
 public:
  // Borrows `store`; it must outlive this object.
  explicit TrackingIssues(storage::WatcherStore& store) : store_(store) {}
  // The issue still open for `tokenId`; nullopt when there is none or it cannot be read.
  std::optional<IssueRef> openFor(int64_t tokenId) const;

 private:
  storage::WatcherStore& store_;
};

}  // namespace patbot::handlers
