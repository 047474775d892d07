// FakeTime: virtual monotonic time for RestGitLabApi tests. sleep() records the wait and moves
// time forward; pair now(), wallNow() and sleep() with RestGitLabOptions::now, ::wallNow and
// ::sleep. Wall time starts at kWallStart and moves with now(). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

namespace patbot::gitlab::testing {

class FakeTime {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  // 2025-06-11T09:00:00Z, a whole second (as GitLab's RateLimit-Reset is).
  static constexpr std::chrono::seconds kWallStart{1749632400};
  std::chrono::system_clock::time_point wallNow() const {
    return std::chrono::system_clock::time_point(kWallStart) + std::chrono::milliseconds(ms_.load() - kStartMs);
  }
  void advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count()); }
  void sleep(std::chrono::milliseconds d) {
    {
      std::lock_guard lock(mutex_);
      sleeps_.push_back(d);
    }
    advance(d);
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  static constexpr long long kStartMs = 1'000'000;
  std::atomic<long long> ms_{kStartMs};
  mutable std::mutex mutex_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace patbot::gitlab::testing
