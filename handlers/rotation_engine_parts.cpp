#include "handlers/rotation_engine_parts.h"

namespace patbot::handlers {

RotationEngineParts makeRotationEngine(gitlab::GitLabApi& gitlab, storage::Database& database,
                                       storage::RotationJournal& journal, storage::AuditStore& audit,
                                       const Clock& clock, const Policy& policy, EngineOptions options) {
  RotationEngineParts parts;
  parts.watcherStore = std::make_unique<storage::WatcherStore>(database, clock);
  parts.trackingIssues = std::make_unique<TrackingIssues>(*parts.watcherStore);
  options.trackingIssues = parts.trackingIssues.get();
  parts.engine = std::make_unique<RotationEngine>(gitlab, journal, audit, clock, policy, std::move(options));
  return parts;
}

}  // namespace patbot::handlers
