#include "storage/sqlite_error.h"

#include <string>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace patbot::storage {

const char* sqliteErrorSentence(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is locked";
    case SQLITE_FULL:
      return "the disk is full";
    case SQLITE_READONLY:
      return "the database is read-only";
    case SQLITE_CANTOPEN:
      return "the database file cannot be opened";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the database file is corrupt or not a database";
    case SQLITE_IOERR:
      return "a disk I/O error occurred";
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "access to the database was denied";
    case SQLITE_NOMEM:
      return "the database ran out of memory";
    case SQLITE_CONSTRAINT:
      return "a database constraint failed";
    case SQLITE_SCHEMA:
      return "the database schema changed";
    case SQLITE_TOOBIG:
      return "a value is too big for the database";
    default:
      return "the database failed";
  }
}

bool isBusyOrLocked(const std::exception& e) {
  const auto* sq = dynamic_cast<const SQLite::Exception*>(&e);
  if (!sq) return false;
  const int primary = sq->getErrorCode() & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Error storageError(const std::exception& e, std::string_view what) {
  std::string detail = std::string(what) + ": " + e.what();
  if (const auto* sq = dynamic_cast<const SQLite::Exception*>(&e)) {
    return Error::make(ErrorKind::kStorage, sqliteErrorSentence(sq->getErrorCode()),
                       std::move(detail));
  }
  return Error::make(ErrorKind::kStorage, "the database failed", std::move(detail));
}

}  // namespace patbot::storage
