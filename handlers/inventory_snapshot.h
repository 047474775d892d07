// The expiry watcher's last complete inventory as other handlers (`/pat status`) may reuse it.
#pragma once

#include <chrono>

#include "core/clock.h"
#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

struct InventorySnapshot {
  gitlab::Inventory inventory;
  TimePoint takenAt;
  std::chrono::seconds age{0};   // now - takenAt, by the watcher's clock
};

}  // namespace patbot::handlers
