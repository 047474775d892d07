// InlineExecutor: an Executor that runs each job at once, on the thread that posts it, and
// returns when the job has (a job that posts another runs it nested). For tests that want the
// dispatcher's steps done, in order, by the time a call returns; never refuses a job.
#pragma once

#include <functional>
#include <string>

#include "bot/executor.h"

namespace patbot::testing {

class InlineExecutor final : public Executor {
 public:
  bool post(std::string, std::function<void()> job) override {
    job();
    return true;
  }
};

}  // namespace patbot::testing
