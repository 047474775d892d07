// Clock: the only source of "now" for code that makes decisions on time (signature windows,
// expiry states, confirmation timeouts). Tests use FakeClock. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

namespace patbot {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that stands still until told to move.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : nanos_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(nanos_.load())); }
  void set(TimePoint t) { nanos_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::nanoseconds d) {
    nanos_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(d).count());
  }

 private:
  std::atomic<TimePoint::rep> nanos_;
};

}  // namespace patbot
