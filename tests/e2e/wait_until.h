// Polling for a condition an end-to-end test cannot be told about, only observe.
#pragma once

#include <chrono>
#include <thread>

namespace patbot::e2e {

// Checks `condition` at once and then every `poll` until it holds or `timeout` has passed;
// returns whether it held. `condition` is called at least once.
template <class Condition>
bool waitUntil(Condition&& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll = std::chrono::milliseconds(100)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace patbot::e2e
