// Clock: the only source of time for code that makes decisions on it (signature windows, expiry
// states, confirmation timeouts, deadlines) and the only way such code waits (retries, back-off,
// polling). Tests use FakeClock, on which waiting takes no real time. Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace patbot {

using TimePoint = std::chrono::system_clock::time_point;
using SteadyTimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: timestamps and dates. May jump when the system time is set.
  virtual TimePoint now() const = 0;
  // Monotonic time, for deadlines and durations: never goes back; unrelated to now().
  virtual SteadyTimePoint steadyNow() const = 0;
  // Blocks the calling thread for `d`; returns at once when d <= 0. Nothing can cut it short, so
  // it is for retries, back-off and polling; a wait that must end promptly on shutdown waits on
  // a condition variable instead. const: waiting does not change the clock for its holders.
  virtual void sleepFor(std::chrono::nanoseconds d) const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  SteadyTimePoint steadyNow() const override { return std::chrono::steady_clock::now(); }
  void sleepFor(std::chrono::nanoseconds d) const override {
    if (d > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(d);
  }
};

// A clock that stands still until told to move: by the test (set, advance) or by the code under
// test sleeping, which moves wall and steady time by the sleep and returns at once. Steady time
// starts at kSteadyStart and, as a real monotonic clock, never goes back.
class FakeClock final : public Clock {
 public:
  static constexpr std::chrono::seconds kSteadyStart{1000};

  explicit FakeClock(TimePoint start)
      : wallNanos_(start.time_since_epoch().count()),
        steadyNanos_(std::chrono::duration_cast<SteadyTimePoint::duration>(kSteadyStart).count()) {}

  TimePoint now() const override { return TimePoint(TimePoint::duration(wallNanos_.load())); }
  SteadyTimePoint steadyNow() const override {
    return SteadyTimePoint(SteadyTimePoint::duration(steadyNanos_.load()));
  }
  // Records `d` (whatever its sign) in sleeps(), then moves both times by it when positive.
  void sleepFor(std::chrono::nanoseconds d) const override {
    {
      std::lock_guard lock(sleepsMutex_);
      sleeps_.push_back(d);
    }
    if (d > std::chrono::nanoseconds::zero()) move(d, d);
  }

  // Sets wall time only (steady time is not affected by setting a system's time).
  void set(TimePoint t) { wallNanos_.store(t.time_since_epoch().count()); }
  // Moves wall time by `d` (back when negative) and steady time by `d` when positive.
  void advance(std::chrono::nanoseconds d) { move(d, std::max(d, std::chrono::nanoseconds::zero())); }

  // Every sleepFor() so far, in the order they were called.
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(sleepsMutex_);
    return sleeps_;
  }

 private:
  void move(std::chrono::nanoseconds wall, std::chrono::nanoseconds steady) const {
    wallNanos_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(wall).count());
    steadyNanos_.fetch_add(std::chrono::duration_cast<SteadyTimePoint::duration>(steady).count());
  }

  // mutable: sleepFor() is const (see Clock) yet moves the fake's time.
  mutable std::atomic<TimePoint::rep> wallNanos_;
  mutable std::atomic<SteadyTimePoint::rep> steadyNanos_;
  mutable std::mutex sleepsMutex_;
  mutable std::vector<std::chrono::nanoseconds> sleeps_;
};

}  // namespace patbot
