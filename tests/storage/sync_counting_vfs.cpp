#include "tests/storage/sync_counting_vfs.h"

#include <sqlite3.h>

#include <stdexcept>

namespace patbot::storage::testing {
namespace {

// The instance in use and the VFS it wraps (set while a SyncCountingVfs lives).
SyncCountingVfs* gInstance = nullptr;
sqlite3_vfs* gReal = nullptr;
sqlite3_vfs gShim{};

// Our file object: the wrapped file follows it in the same allocation (szOsFile covers both).
struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int shimSync(sqlite3_file* f, int flags) {
  auto* shim = reinterpret_cast<ShimFile*>(f);
  if (!shim->wal) return shim->real->pMethods->xSync(shim->real, flags);
  gInstance->beforeWalSync();
  int rc = shim->real->pMethods->xSync(shim->real, flags);
  if (rc == SQLITE_OK) gInstance->afterWalSync();
  return rc;
}

const sqlite3_io_methods kMethods = {
    3,
    [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); },
    [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return real(f)->pMethods->xRead(real(f), b, n, o); },
    [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
      return real(f)->pMethods->xWrite(real(f), b, n, o);
    },
    [](sqlite3_file* f, sqlite3_int64 s) { return real(f)->pMethods->xTruncate(real(f), s); },
    shimSync,
    [](sqlite3_file* f, sqlite3_int64* s) { return real(f)->pMethods->xFileSize(real(f), s); },
    [](sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); },
    [](sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); },
    [](sqlite3_file* f, int* r) { return real(f)->pMethods->xCheckReservedLock(real(f), r); },
    [](sqlite3_file* f, int op, void* a) { return real(f)->pMethods->xFileControl(real(f), op, a); },
    [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); },
    [](sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); },
    [](sqlite3_file* f, int i, int sz, int w, void volatile** p) {
      return real(f)->pMethods->xShmMap(real(f), i, sz, w, p);
    },
    [](sqlite3_file* f, int o, int n, int fl) { return real(f)->pMethods->xShmLock(real(f), o, n, fl); },
    [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); },
    [](sqlite3_file* f, int d) { return real(f)->pMethods->xShmUnmap(real(f), d); },
    [](sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return real(f)->pMethods->xFetch(real(f), o, n, p); },
    [](sqlite3_file* f, sqlite3_int64 o, void* p) { return real(f)->pMethods->xUnfetch(real(f), o, p); },
};

int shimOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* outFlags) {
  auto* shim = reinterpret_cast<ShimFile*>(f);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  shim->wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = gReal->xOpen(gReal, name, shim->real, flags, outFlags);
  shim->base.pMethods = shim->real->pMethods ? &kMethods : nullptr;
  return rc;
}

}  // namespace

SyncCountingVfs::SyncCountingVfs() {
  if (gInstance) throw std::logic_error("one SyncCountingVfs at a time");
  gReal = sqlite3_vfs_find(nullptr);
  if (!gReal) throw std::runtime_error("no default SQLite VFS");
  gShim = *gReal;  // the other VFS methods ignore which VFS object they are called with
  gShim.pNext = nullptr;
  gShim.zName = "patbot-sync-counting";
  gShim.szOsFile = static_cast<int>(sizeof(ShimFile)) + gReal->szOsFile;
  gShim.xOpen = shimOpen;
  gInstance = this;
  if (sqlite3_vfs_register(&gShim, 1) != SQLITE_OK) throw std::runtime_error("sqlite3_vfs_register failed");
}

SyncCountingVfs::~SyncCountingVfs() {
  openGate();
  sqlite3_vfs_unregister(&gShim);
  sqlite3_vfs_register(gReal, 1);
  gInstance = nullptr;
}

int SyncCountingVfs::walSyncs() {
  std::lock_guard lock(mutex_);
  return walSyncs_;
}

void SyncCountingVfs::closeGate() {
  std::lock_guard lock(mutex_);
  gateClosed_ = true;
}

void SyncCountingVfs::openGate() {
  std::lock_guard lock(mutex_);
  gateClosed_ = false;
  changed_.notify_all();
}

bool SyncCountingVfs::waitForHeldSyncs(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return held_ >= n; });
}

void SyncCountingVfs::beforeWalSync() {
  std::unique_lock lock(mutex_);
  if (!gateClosed_) return;
  ++held_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return !gateClosed_; });
  --held_;
}

void SyncCountingVfs::afterWalSync() {
  std::lock_guard lock(mutex_);
  ++walSyncs_;
  changed_.notify_all();
}

}  // namespace patbot::storage::testing
