// CachedInventory: the expiry watcher's last complete inventory, shared with `/pat status` so that
// a status request soon after a scan need not ask GitLab again.
//
// The ExpiryWatcher save()s every complete scan; it is kept in memory and in SQLite (WatcherStore's
// snapshot), so that it survives a restart (read back on first use). Two ways to read it:
//   - latest(): the last complete scan, whatever happened since: the watcher's figures while
//     GitLab fails (reported as stale there);
//   - reusable(): the same, unless a token was created or revoked at or after the moment it was
//     taken (TokenWrites): then it shows a GitLab that no longer is, and the reader must ask
//     GitLab itself.
// A snapshot's age is computed by `clock` when it is read. How old is too old is the reader's
// rule (PatStatusHandler's kCachedInventoryMaxAge).
//
// Threading: every method may be called from any thread.
#pragma once

#include <mutex>
#include <optional>

#include "core/clock.h"
#include "gitlab/gitlab_types.h"
#include "handlers/inventory_snapshot.h"
#include "handlers/token_writes.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

class CachedInventory {
 public:
  // Borrows everything; all must outlive the cache. `writes` null = no token write is known of,
  // so reusable() is latest().
  CachedInventory(storage::WatcherStore& store, const Clock& clock, const TokenWrites* writes = nullptr);

  // Replaces the snapshot with a complete scan taken at `takenAt`. When SQLite cannot keep it, it
  // is still kept in memory (and the failure logged).
  void save(const gitlab::Inventory& inventory, TimePoint takenAt);

  // The last complete scan (from memory, else SQLite) and its age; nullopt before any.
  std::optional<InventorySnapshot> latest();
  // latest(), or nullopt when a token was created or revoked since it was taken.
  std::optional<InventorySnapshot> reusable();

 private:
  storage::WatcherStore& store_;
  const Clock& clock_;
  const TokenWrites* writes_;

  std::mutex mutex_;
  std::optional<InventorySnapshot> snapshot_;   // guarded by mutex_; age unused (set on read)
};

}  // namespace patbot::handlers
