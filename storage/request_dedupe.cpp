#include "storage/request_dedupe.h"

#include <mutex>

#include <SQLiteCpp/Statement.h>

#include "core/time_format.h"
#include "storage/sqlite_error.h"

namespace patbot::storage {

RequestDedupe::RequestDedupe(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<bool> RequestDedupe::firstTime(const std::string& key) {
  if (key.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a request key must not be empty");
  }
  std::lock_guard lock(db_.writeMutex());
  try {
    SQLite::Statement ins(db_.db(),
                          "INSERT OR IGNORE INTO processed_requests(key, first_seen) VALUES (?, ?)");
    ins.bind(1, key);
    ins.bind(2, formatTimestamp(clock_.now()));
    return ins.exec() == 1;
  } catch (const std::exception& e) {
    return storageError(e, "recording a request key");
  }
}

Status RequestDedupe::pruneOlderThan(std::chrono::hours age) {
  std::lock_guard lock(db_.writeMutex());
  try {
    SQLite::Statement del(db_.db(), "DELETE FROM processed_requests WHERE first_seen < ?");
    del.bind(1, formatTimestamp(clock_.now() - age));
    del.exec();
    return okStatus();
  } catch (const std::exception& e) {
    return storageError(e, "pruning request keys");
  }
}

}  // namespace patbot::storage
