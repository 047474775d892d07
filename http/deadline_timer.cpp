#include "http/deadline_timer.h"

namespace patbot::http {

DeadlineTimer::DeadlineTimer() : thread_([this] { run(); }) {}

DeadlineTimer::~DeadlineTimer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

DeadlineTimer::Id DeadlineTimer::schedule(Clock::time_point due, std::function<void()> callback) {
  Id id = 0;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    id = nextId_++;
    auto it = queue_.emplace(std::make_pair(due, id), std::move(callback)).first;
    first = it == queue_.begin();
    dueById_.emplace(id, due);
  }
  if (first) wake_.notify_all();
  return id;
}

bool DeadlineTimer::cancel(Id id) {
  std::lock_guard lock(mutex_);
  auto it = dueById_.find(id);
  if (it == dueById_.end()) return false;
  queue_.erase(std::make_pair(it->second, id));
  dueById_.erase(it);
  return true;
}

size_t DeadlineTimer::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void DeadlineTimer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto due = queue_.begin()->first.first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    dueById_.erase(node.key().second);
    lock.unlock();
    try {
      node.mapped()();
    } catch (...) {
    }
    lock.lock();
  }
}

}  // namespace patbot::http
