// Clock: FakeClock's sleeps take no real time and move both of its times; SystemClock really waits.
#include "core/clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace patbot {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

const TimePoint kStart{std::chrono::seconds(1767225600)};   // 2026-01-01T00:00:00Z

TEST(FakeClockTest, SleepForMovesWallAndSteadyTimeAndReturnsAtOnce) {
  FakeClock clock(kStart);
  const SteadyTimePoint steadyStart = clock.steadyNow();
  EXPECT_EQ(steadyStart, SteadyTimePoint(FakeClock::kSteadyStart));
  const auto realStart = std::chrono::steady_clock::now();
  clock.sleepFor(90s);
  clock.sleepFor(250ms);
  EXPECT_LT(std::chrono::steady_clock::now() - realStart, 5s) << "a fake sleep must not take real time";
  EXPECT_EQ(clock.now(), kStart + 90s + 250ms);
  EXPECT_EQ(clock.steadyNow(), steadyStart + 90s + 250ms);
  EXPECT_EQ(clock.sleeps(), (std::vector<nanoseconds>{90s, 250ms}));
}

TEST(FakeClockTest, ANonPositiveSleepIsRecordedButMovesNothing) {
  FakeClock clock(kStart);
  const SteadyTimePoint steadyStart = clock.steadyNow();
  clock.sleepFor(0s);
  clock.sleepFor(-3s);
  EXPECT_EQ(clock.now(), kStart);
  EXPECT_EQ(clock.steadyNow(), steadyStart);
  EXPECT_EQ(clock.sleeps(), (std::vector<nanoseconds>{0s, -3s}));
}

TEST(FakeClockTest, SteadyTimeNeverGoesBack) {
  FakeClock clock(kStart);
  const SteadyTimePoint steadyStart = clock.steadyNow();
  clock.advance(1h);
  EXPECT_EQ(clock.now(), kStart + 1h);
  EXPECT_EQ(clock.steadyNow(), steadyStart + 1h);
  clock.advance(-2h);   // wall time set back: steady time stays
  EXPECT_EQ(clock.now(), kStart - 1h);
  EXPECT_EQ(clock.steadyNow(), steadyStart + 1h);
  clock.set(kStart + 24h);
  EXPECT_EQ(clock.now(), kStart + 24h);
  EXPECT_EQ(clock.steadyNow(), steadyStart + 1h);
  EXPECT_TRUE(clock.sleeps().empty()) << "advance and set are the test's moves, not sleeps";
}

TEST(FakeClockTest, ConcurrentSleepsAllCount) {
  FakeClock clock(kStart);
  const SteadyTimePoint steadyStart = clock.steadyNow();
  std::vector<std::thread> sleepers;
  for (int t = 0; t < 4; ++t) {
    sleepers.emplace_back([&clock] {
      for (int i = 0; i < 250; ++i) clock.sleepFor(1ms);
    });
  }
  for (auto& s : sleepers) s.join();
  EXPECT_EQ(clock.now(), kStart + 1s);
  EXPECT_EQ(clock.steadyNow(), steadyStart + 1s);
  EXPECT_EQ(clock.sleeps().size(), 1000u);
}

// Through the interface, as production code holds it.
TEST(SystemClockTest, SleepForWaitsAndSteadyTimeMoves) {
  SystemClock system;
  const Clock& clock = system;
  const SteadyTimePoint before = clock.steadyNow();
  clock.sleepFor(20ms);
  EXPECT_GE(clock.steadyNow() - before, 20ms);
  const auto start = std::chrono::steady_clock::now();
  clock.sleepFor(-1s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "a negative sleep returns at once";
}

}  // namespace
}  // namespace patbot
