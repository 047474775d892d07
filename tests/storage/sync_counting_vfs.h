// SyncCountingVfs: a test VFS over SQLite's default one that counts the syncs of WAL files and
// can hold them at a gate, to observe when a commit reaches the disk.
//
// Constructing it makes it SQLite's default VFS, so Database::open() goes through it; the
// destructor restores the previous default. Every connection opened through it must be closed
// before it is destroyed (declare it before the Database). One instance at a time per process.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace patbot::storage::testing {

class SyncCountingVfs {
 public:
  SyncCountingVfs();
  ~SyncCountingVfs();
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

  // Syncs of WAL files that have completed.
  int walSyncs();

  // While the gate is closed, a WAL sync waits before it starts (its thread keeps every lock it
  // holds, the write transaction included). openGate() lets the waiting ones through.
  void closeGate();
  void openGate();
  // True once `n` WAL syncs are waiting at the closed gate; false after `timeout`.
  bool waitForHeldSyncs(int n, std::chrono::milliseconds timeout);

  // Called by the VFS around a WAL file's sync (not for tests).
  void beforeWalSync();
  void afterWalSync();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int walSyncs_ = 0;
  int held_ = 0;
  bool gateClosed_ = false;
};

}  // namespace patbot::storage::testing
