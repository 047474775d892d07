#include "storage/request_dedupe.h"

#include <SQLiteCpp/Statement.h>

#include "core/time_format.h"

namespace patbot::storage {

RequestDedupe::RequestDedupe(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<bool> RequestDedupe::firstTime(const std::string& key) {
  if (key.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a request key must not be empty");
  }
  return db_.write("recording a request key", [&](SQLite::Database& conn) -> Result<bool> {
    SQLite::Statement ins(conn,
                          "INSERT OR IGNORE INTO processed_requests(key, first_seen) VALUES (?, ?)");
    ins.bind(1, key);
    ins.bind(2, formatTimestamp(clock_.now()));
    return ins.exec() == 1;
  });
}

Status RequestDedupe::pruneOlderThan(std::chrono::hours age) {
  return db_.write("pruning request keys", [&](SQLite::Database& conn) -> Status {
    SQLite::Statement del(conn, "DELETE FROM processed_requests WHERE first_seen < ?");
    del.bind(1, formatTimestamp(clock_.now() - age));
    del.exec();
    return okStatus();
  });
}

}  // namespace patbot::storage
