// One background thread that runs callbacks when their due time passes. Used by the client
// transport to cancel requests at their deadline without a thread per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace patbot::http {

// Thread-safe. Callbacks run on the timer's own thread, one at a time, and must be quick; they
// must not call schedule() or cancel() on the same timer; an exception they throw is dropped. The destructor stops the thread and
// drops callbacks that have not run.
class DeadlineTimer {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = uint64_t;

  DeadlineTimer();
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  Id schedule(Clock::time_point due, std::function<void()> callback);
  // True when the callback was removed before it started; false when it already ran, is running
  // or was never scheduled.
  bool cancel(Id id);
  size_t pending() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Id nextId_ = 1;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> queue_;
  std::unordered_map<Id, Clock::time_point> dueById_;
  std::thread thread_;
};

}  // namespace patbot::http
