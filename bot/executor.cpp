#include "bot/executor.h"

#include <exception>

#include <spdlog/spdlog.h>

#include "core/request_context.h"

namespace patbot {

ThreadPoolExecutor::ThreadPoolExecutor(size_t threads, size_t maxQueued) : maxQueued_(maxQueued) {
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(); }

bool ThreadPoolExecutor::post(std::string requestId, std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= maxQueued_) return false;
    queue_.push_back(Job{std::move(requestId), std::move(job)});
  }
  wake_.notify_one();
  return true;
}

void ThreadPoolExecutor::shutdown(bool runQueued) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    if (!runQueued && !queue_.empty()) {
      spdlog::warn("stopping: {} queued background job(s) dropped", queue_.size());
      queue_.clear();
    }
  }
  wake_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void ThreadPoolExecutor::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void ThreadPoolExecutor::workerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;   // stopping and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    {
      RequestScope scope(job.requestId);
      try {
        job.fn();
      } catch (const std::exception& e) {
        spdlog::error("background job failed: {}", e.what());
      } catch (...) {
        spdlog::error("background job failed with a non-standard exception");
      }
    }
    {
      std::lock_guard lock(mutex_);
      --running_;
      if (queue_.empty() && running_ == 0) idle_.notify_all();
    }
  }
}

}  // namespace patbot
