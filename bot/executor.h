// Executor: runs background jobs (GitLab calls, Slack posts) off the HTTP threads.
// ThreadPoolExecutor owns its threads; jobs run in FIFO order on any worker. A job that throws
// is logged (with its request id) and swallowed: this is the background job boundary.
// A job holds its worker until it returns, waits included: `patbot serve` therefore runs two
// pools, one per handlers::Lane (bot/app.cpp), so jobs that wait minutes on GitLab (rotations
// polling a pipeline) cannot take every worker from the commands that answer in seconds.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace patbot {

class Executor {
 public:
  virtual ~Executor() = default;
  // Queues a job to run under `requestId`. Returns false (job dropped) when the queue is full
  // or the executor is shutting down.
  virtual bool post(std::string requestId, std::function<void()> job) = 0;
};

class ThreadPoolExecutor final : public Executor {
 public:
  ThreadPoolExecutor(size_t threads, size_t maxQueued);
  ~ThreadPoolExecutor() override;   // finishes queued jobs, then joins

  bool post(std::string requestId, std::function<void()> job) override;
  // Stops accepting jobs and joins the workers. With runQueued, jobs already queued still run;
  // without, they are dropped (and counted in the log) and only running jobs finish. Idempotent.
  void shutdown(bool runQueued = true);
  // Blocks until the queue is empty and no job is running (tests, demo).
  void drain();

 private:
  struct Job {
    std::string requestId;
    std::function<void()> fn;
  };
  void workerLoop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  size_t running_ = 0;
  size_t maxQueued_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace patbot
