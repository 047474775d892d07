#include "storage/request_dedupe.h"

#include <SQLiteCpp/Statement.h>

#include "core/time_format.h"

namespace patbot::storage {

RequestDedupe::RequestDedupe(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<bool> RequestDedupe::firstTime(const std::string& key) {
  if (key.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a request key must not be empty");
  }
  Database::WriteLock lock(db_, "recording a request key");
  if (lock.refusal()) return *lock.refusal();
  try {
    SQLite::Statement ins(db_.db(),
                          "INSERT OR IGNORE INTO processed_requests(key, first_seen) VALUES (?, ?)");
    ins.bind(1, key);
    ins.bind(2, formatTimestamp(clock_.now()));
    return ins.exec() == 1;
  } catch (const std::exception& e) {
    return lock.fail(e);
  }
}

Status RequestDedupe::pruneOlderThan(std::chrono::hours age) {
  Database::WriteLock lock(db_, "pruning request keys");
  if (lock.refusal()) return *lock.refusal();
  try {
    SQLite::Statement del(db_.db(), "DELETE FROM processed_requests WHERE first_seen < ?");
    del.bind(1, formatTimestamp(clock_.now() - age));
    del.exec();
    return okStatus();
  } catch (const std::exception& e) {
    return lock.fail(e);
  }
}

}  // namespace patbot::storage
