// The one way to build a RotationEngine, used by `patbot serve` (Slack and the watcher share its
// engine) and by `patbot rotate`: whoever rotates a token gets the same lookups, so the tracking
// issue the watcher opened is closed whichever way the token was rotated.
#pragma once

#include <memory>

#include "handlers/rotation_engine.h"
#include "handlers/tracking_issues.h"
#include "storage/watcher_store.h"

namespace patbot::handlers {

// Owns what the engine borrows beyond the shared stores (patbot serve's watcher, outbox and
// inventory cache use the same watcherStore and trackingIssues). Destroy the engine first (it is
// declared last).
struct RotationEngineParts {
  std::unique_ptr<storage::WatcherStore> watcherStore;
  std::unique_ptr<TrackingIssues> trackingIssues;
  std::unique_ptr<RotationEngine> engine;
};

// Everything passed in must outlive the result. `options.trackingIssues` is set here.
RotationEngineParts makeRotationEngine(gitlab::GitLabApi& gitlab, storage::Database& database,
                                       storage::RotationJournal& journal, storage::AuditStore& audit,
                                       const Clock& clock, const Policy& policy, EngineOptions options = {});

}  // namespace patbot::handlers
