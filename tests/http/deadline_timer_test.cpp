#include "http/deadline_timer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

namespace patbot::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpDeadlineTimer, RunsCallbacksInDueOrder) {
  DeadlineTimer timer;
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> done;
  auto now = DeadlineTimer::Clock::now();
  timer.schedule(now + 200ms, [&] {
    std::lock_guard lock(mutex);
    order.push_back(2);
    done.set_value();
  });
  timer.schedule(now + 50ms, [&] {
    std::lock_guard lock(mutex);
    order.push_back(1);
  });
  ASSERT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(HttpDeadlineTimer, CancelledCallbacksNeverRun) {
  DeadlineTimer timer;
  std::atomic<int> runs{0};
  auto id = timer.schedule(DeadlineTimer::Clock::now() + 100ms, [&] { ++runs; });
  EXPECT_TRUE(timer.cancel(id));
  EXPECT_FALSE(timer.cancel(id));
  std::promise<void> later;
  timer.schedule(DeadlineTimer::Clock::now() + 300ms, [&] { later.set_value(); });
  ASSERT_EQ(later.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(runs.load(), 0);
}

TEST(HttpDeadlineTimer, ManyPendingEntriesShareOneThreadAndCancelCleanly) {
  DeadlineTimer timer;
  std::vector<DeadlineTimer::Id> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(timer.schedule(DeadlineTimer::Clock::now() + 1h, [] {}));
  EXPECT_EQ(timer.pending(), 5000u);
  for (auto id : ids) EXPECT_TRUE(timer.cancel(id));
  EXPECT_EQ(timer.pending(), 0u);
}

}  // namespace
}  // namespace patbot::http
