// Database: the one SQLite connection patbot uses (audit trail, rotation journal, watcher state).
//
// open() creates the file with mode 0600 (and narrows a wider existing file to 0600, likewise
// its -wal and -shm files), sets WAL journaling, synchronous=NORMAL, busy_timeout=1000 ms (so that
// a request refused because another process holds the database is still answered within Slack's
// 3 s) and foreign keys, then applies the schema migrations (migrations.h). It refuses, with kStorage, a
// database whose schema is newer than this binary knows.
//
// Threading: the connection is opened in SQLite's serialized mode, so single calls are safe from
// any thread. Code that writes, or that runs more than one statement as a unit, holds
// writeMutex() for the whole unit so that transactions of different threads never interleave on
// the shared connection. Nothing here throws: SQLite failures come back as Error kStorage.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "core/result.h"
#include "storage/migrations.h"

namespace patbot::storage {

class Database {
 public:
  // `path` is a file name or ":memory:". Applies schemaMigrations().
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  // As above with an explicit migration list (tests, and tools that need an older schema).
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const std::vector<Migration>& migrations);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  SQLite::Database& db() { return *db_; }
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
  int schemaVersion_ = 0;
};

}  // namespace patbot::storage
