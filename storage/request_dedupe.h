// RequestDedupe: remembers request keys already acted on (Slack trigger_id, button action ids,
// CLI request ids) so a request delivered twice runs once (table `processed_requests`,
// migration 2). Threading: every method holds the Database's write mutex; INSERT OR IGNORE makes
// firstTime() atomic across processes too. Failures come back as Error values; nothing throws.
#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace patbot::storage {

class RequestDedupe {
 public:
  // Borrows `db` and `clock`; both must outlive the object.
  RequestDedupe(Database& db, const Clock& clock);

  // True when `key` is seen for the first time (it is recorded with the clock's time), false
  // when it was recorded before. kInvalidInput for an empty key.
  Result<bool> firstTime(const std::string& key);

  // Forgets keys first seen more than `age` before now.
  Status pruneOlderThan(std::chrono::hours age);

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace patbot::storage
