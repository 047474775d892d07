#include "gitlab/in_flight_limiter.h"

#include <algorithm>

namespace patbot::gitlab {

InFlightLimiter::InFlightLimiter(int slots) : slots_(std::max(slots, 1)) {}

bool InFlightLimiter::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, timeout, [this] { return used_ < slots_; })) return false;
  ++used_;
  return true;
}

void InFlightLimiter::release() {
  {
    std::lock_guard lock(mutex_);
    --used_;
  }
  freed_.notify_one();
}

}  // namespace patbot::gitlab
