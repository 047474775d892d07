// InFlightLimiter: a counting semaphore bounding how many GitLab requests are in flight at once,
// shared by every thread that calls one RestGitLabApi. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace patbot::gitlab {

class InFlightLimiter {
 public:
  explicit InFlightLimiter(int slots);   // slots < 1 is treated as 1

  // Takes a slot, waiting at most `timeout`; false when none came free in time.
  bool acquire(std::chrono::milliseconds timeout);
  void release();

  int slots() const { return slots_; }

 private:
  const int slots_;
  int used_ = 0;
  std::mutex mutex_;
  std::condition_variable freed_;
};

// Holds one slot for its lifetime (when acquire succeeded).
class InFlightSlot {
 public:
  InFlightSlot(InFlightLimiter& limiter, std::chrono::milliseconds timeout)
      : limiter_(limiter), held_(limiter.acquire(timeout)) {}
  ~InFlightSlot() {
    if (held_) limiter_.release();
  }
  InFlightSlot(const InFlightSlot&) = delete;
  InFlightSlot& operator=(const InFlightSlot&) = delete;

  bool held() const { return held_; }

 private:
  InFlightLimiter& limiter_;
  bool held_;
};

}  // namespace patbot::gitlab
