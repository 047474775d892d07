// Database: the one SQLite connection patbot uses (audit trail, rotation journal, watcher state).
//
// open() creates the file with mode 0600 (and narrows a wider existing file to 0600, likewise
// its -wal and -shm files), sets WAL journaling, synchronous=FULL, busy_timeout=1000 ms (so that
// a request refused because another process holds the database is still answered within Slack's
// 3 s) and foreign keys, then applies the schema migrations (migrations.h). It refuses, with kStorage, a
// database whose schema is newer than this binary knows.
//
// Durability: with synchronous=FULL every commit on this connection (journal step, audit row,
// watcher state, request key) has reached the disk (the WAL is synced) when the statement or
// COMMIT returns, so it survives an OS crash or power loss, not only a crash of patbot.
//
// Threading: the connection is opened in SQLite's serialized mode, so single calls are safe from
// any thread. Every unit of work holds writeMutex() for the whole unit so that transactions of
// different threads never interleave on the shared connection: a unit that writes through
// write() or writeTransaction() (a WriteLock, below), a unit that only reads through read().
// Nothing here throws: SQLite failures come back as Error kStorage.
//
// Another process holding the database: each write waits out the busy timeout while it holds the
// write mutex, so without more, N writers queued behind each other would be refused only after
// N seconds. The rule (WriteLock): when a write unit that found the database busy or locked
// (SQLITE_BUSY/SQLITE_LOCKED) releases the write mutex, the writers waiting for the mutex at that
// moment are refused, and so is every writer that arrives while one of those is still waiting
// (else a thread that takes the mutex again straight after releasing it, as a loop of writes
// does, would slip in ahead of them and wait out another busy timeout). Refused means: on
// getting the mutex, fail at once, without touching SQLite, with the same Error as a write that
// found the database busy ("the database is locked"). Any other writer tries SQLite as usual:
// once the writers waiting at the failure have had their turn, the next writer tries again, so
// writes resume as soon as the other process lets go. A refusal is not itself a busy failure.
// With the database not held elsewhere, no writer is ever refused. Readers are unaffected.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include "core/result.h"
#include "storage/migrations.h"
#include "storage/sqlite_error.h"

namespace patbot::storage {

class Database {
 public:
  // The write mutex for one unit that writes, held from construction to destruction. write()
  // and writeTransaction() are the usual way to hold one; take it by hand only where the unit
  // must act on a refusal itself (SqliteAuditStore's group commit):
  //
  //   Database::WriteLock lock(db_, "recording a request key");
  //   if (lock.refusal()) return *lock.refusal();
  //   try { ...statements... } catch (const std::exception& e) { return lock.fail(e); }
  //
  // Neither copyable nor movable; use it on one thread, for one unit.
  class WriteLock {
   public:
    // Waits for the write mutex. `what` names the unit in error details ("<what>: ...").
    WriteLock(Database& db, std::string what);
    // If fail() saw the database busy or locked, marks that (for the writers waiting now, see
    // the rule above) just before releasing the mutex.
    ~WriteLock();
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;

    // Set when this unit must not touch SQLite (the rule above): Error kStorage, message "the
    // database is locked". The mutex is held all the same; return the error as it is.
    const std::optional<Error>& refusal() const { return refusal_; }

    // The Error for an exception caught in the unit: storageError(e, what) (sqlite_error.h).
    // When it is SQLite's SQLITE_BUSY or SQLITE_LOCKED, also records that this unit found the
    // database busy. Call it for every exception the unit turns into its result.
    Error fail(const std::exception& e);

   private:
    Database& db_;
    std::string what_;
    std::unique_lock<std::mutex> lock_;
    std::optional<Error> refusal_;
    bool foundBusy_ = false;
  };

  // `path` is a file name or ":memory:". Applies schemaMigrations().
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  // As above with an explicit migration list (tests, and tools that need an older schema).
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const std::vector<Migration>& migrations);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The units of work. `fn` is called as fn(db()) on the caller's thread and returns a Result<T>
  // or a Status (R below), which the unit returns; it may throw, as SQLiteCpp does. `what` names
  // the unit in error details ("<what>: <e.what()>"), e.g. "recording a request key".
  //
  // write: holds a WriteLock for the call. Refused (the rule above): returns the refusal without
  // calling fn. An exception from fn becomes WriteLock::fail(e), i.e. storageError(e, what)
  // (sqlite_error.h). fn's statements run in autocommit, each its own synced commit, unless fn
  // opens a transaction itself.
  template <typename Fn, typename R = std::invoke_result_t<Fn&, SQLite::Database&>>
  R write(std::string what, Fn&& fn);
  // write() with fn inside one BEGIN IMMEDIATE transaction (one synced commit for the unit, and
  // no other connection writes in between): committed when fn returns a value; rolled back when
  // fn returns an error or throws.
  template <typename Fn, typename R = std::invoke_result_t<Fn&, SQLite::Database&>>
  R writeTransaction(std::string what, Fn&& fn);
  // A unit that only reads: holds writeMutex() for the call, so fn never sees another thread's
  // uncommitted rows, and takes no WriteLock (readers are never refused). An exception from fn
  // becomes storageError(e, what). fn opens a transaction itself where it needs one snapshot.
  template <typename Fn, typename R = std::invoke_result_t<Fn&, SQLite::Database&>>
  R read(std::string_view what, Fn&& fn);

  SQLite::Database& db() { return *db_; }
  // Held by every unit (read(), write(), WriteLock); prefer those to locking it by hand.
  std::mutex& writeMutex() { return writeMutex_; }
  const std::string& path() const { return path_; }

  // The highest applied schema version (as of open()).
  int schemaVersion() const { return schemaVersion_; }

  // True when `SELECT 1` succeeds.
  bool healthy();

 private:
  Database(std::string path, std::unique_ptr<SQLite::Database> db);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::mutex writeMutex_;
  // The refusal rule's state (WriteLock), guarded by busyMutex_, which is held only for a few
  // instructions and never while waiting for writeMutex_.
  std::mutex busyMutex_;
  uint64_t busyReleases_ = 0;  // releases of writeMutex_ by units that found the database busy
  int writersWaiting_ = 0;     // WriteLocks between their call and getting writeMutex_
  int refusedWaiting_ = 0;     // of those, the ones that were waiting at the last busy release
  int schemaVersion_ = 0;
};

template <typename Fn, typename R>
R Database::write(std::string what, Fn&& fn) {
  WriteLock lock(*this, std::move(what));
  if (lock.refusal()) return *lock.refusal();
  try {
    return fn(*db_);
  } catch (const std::exception& e) {
    return lock.fail(e);
  }
}

template <typename Fn, typename R>
R Database::writeTransaction(std::string what, Fn&& fn) {
  return write(std::move(what), [&fn](SQLite::Database& conn) -> R {
    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    R result = fn(conn);
    if (result) tx.commit();
    return result;
  });
}

template <typename Fn, typename R>
R Database::read(std::string_view what, Fn&& fn) {
  std::lock_guard lock(writeMutex_);
  try {
    return fn(*db_);
  } catch (const std::exception& e) {
    return storageError(e, what);
  }
}

}  // namespace patbot::storage
