#include "tests/support/race.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace patbot::testing {

std::map<std::string, int> raceOutcomes(int threads, const std::function<std::string(int)>& attempt) {
  std::atomic<bool> go{false};
  std::mutex mutex;
  std::map<std::string, int> outcomes;
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      std::string outcome = attempt(i);
      std::lock_guard lock(mutex);
      ++outcomes[outcome];
    });
  }
  go = true;
  for (auto& t : running) t.join();
  return outcomes;
}

}  // namespace patbot::testing
