// FakeTime: virtual monotonic time for RestGitLabApi tests. sleep() records the wait and moves
// time forward; pair now() and sleep() with RestGitLabOptions::now and ::sleep. Thread-safe.
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
  std::atomic<long long> ms_{1'000'000};
  mutable std::mutex mutex_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace patbot::gitlab::testing
