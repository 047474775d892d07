// explore_rotations: walks every schedule of tests/e2e/explore_model.h (each scenario, actor,
// GitLab call and fault; Slack faults where Slack carries the value or the decision) against the
// real patbot binary and the fake GitLab and Slack, and checks each end (explore_checks.h).
//
//   explore_rotations [--only ID]... [--filter SUBSTRING] [--sample] [--list] [--jobs N]
//
// Prints one line per schedule ("ok" or "VIOLATION" with what was seen; token ids, never
// values), then "N schedules, M violations", the first failing schedule's id and the time
// taken. EXPLORE_SHOW_LOGS=1 adds the end of patbot's log to each violation (token values
// replaced by ids); EXPLORE_DEBUG=1 lists the Slack messages each baseline saw. Exit 0 when
// there is no violation, 1 otherwise, 2 when the fakes cannot start.
// --sample runs the fixed small set of the ctest `e2e_explore_sample`. Each scenario and actor
// first runs its fault-free baseline (itself a schedule) to learn the GitLab calls to fault.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tests/e2e/explore_driver.h"
#include "tests/e2e/explore_sample.h"

namespace {

using namespace patbot::e2e::explore;

struct Selection {
  std::vector<std::string> only;
  std::string filter;
  bool wants(const std::string& id) const {
    if (!only.empty() && std::find(only.begin(), only.end(), id) == only.end()) return false;
    return filter.empty() || id.find(filter) != std::string::npos;
  }
  // Whether any schedule of this scenario key may be selected (saves its baseline run).
  bool mayWant(const std::string& key) const {
    if (!only.empty()) {
      return std::any_of(only.begin(), only.end(), [&](const std::string& id) { return id.rfind(key + "/", 0) == 0; });
    }
    return filter.empty() || filter.find('/') == std::string::npos ? true : filter.rfind(key + "/", 0) == 0;
  }
};

struct Totals {
  std::mutex mu;
  int schedules = 0;
  int violations = 0;
  std::vector<std::string> failed;
};

void report(Totals& totals, const std::string& id, const Verdict& v) {
  std::lock_guard lock(totals.mu);
  ++totals.schedules;
  if (v.violations.empty()) {
    std::printf("ok        %s (%s)\n", id.c_str(), endStateName(v.end));
    if (std::getenv("EXPLORE_SHOW_LOGS_ALWAYS")) std::printf("----\n%s\n----\n", v.logTail.c_str());
  } else {
    ++totals.violations;
    totals.failed.push_back(id);
    std::printf("VIOLATION %s (%s)\n", id.c_str(), endStateName(v.end));
    for (const auto& line : v.violations) std::printf("          %s\n", line.c_str());
    if (std::getenv("EXPLORE_SHOW_LOGS")) std::printf("---- patbot's log (values replaced by ids)\n%s\n----\n", v.logTail.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Explore every fault at every GitLab call of a rotation"};
  Selection sel;
  bool sample = false, list = false;
  int jobs = 1;
  cli.add_option("--only", sel.only, "run only this schedule id (repeatable)");
  cli.add_option("--filter", sel.filter, "run only schedule ids containing this");
  cli.add_flag("--sample", sample, "the fixed small sample of the default test suite");
  cli.add_flag("--list", list, "list schedule ids (runs each baseline to discover them)");
  cli.add_option("--jobs", jobs, "schedules run at once, each with its own fakes")->check(CLI::Range(1, 8));
  CLI11_PARSE(cli, argc, argv);
  if (sample) sel.only.insert(sel.only.end(), sampleIds().begin(), sampleIds().end());

  struct Key {
    const Scenario* scenario;
    Actor actor;
  };
  std::vector<Key> keys;
  for (const auto& sc : scenarios()) {
    for (Actor a : sc.actors) {
      if (sel.mayWant(scenarioKey(sc, a))) keys.push_back({&sc, a});
    }
  }

  const auto started = std::chrono::steady_clock::now();
  Totals totals;
  std::atomic<size_t> next{0};
  std::atomic<bool> broken{false};
  auto worker = [&] {
    Explorer explorer;
    if (!explorer.ready()) {
      std::fprintf(stderr, "explore_rotations: %s\n", explorer.startupLog().c_str());
      broken = true;
      return;
    }
    for (size_t i = next++; i < keys.size(); i = next++) {
      const Key& k = keys[i];
      Discovery d = explorer.discover(*k.scenario, k.actor);
      auto schedules = schedulesOf(*k.scenario, k.actor, d);
      Schedule baseline{k.scenario, k.actor, std::nullopt, ""};
      if (list) {
        std::lock_guard lock(totals.mu);
        std::printf("%s\n", baseline.id().c_str());
        for (const auto& s : schedules) std::printf("%s\n", s.id().c_str());
        continue;
      }
      if (sel.wants(baseline.id())) report(totals, baseline.id(), d.baseline);
      for (const auto& s : schedules) {
        if (sel.wants(s.id())) report(totals, s.id(), explorer.run(s));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(std::max<size_t>(1, keys.size()))); ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (broken && totals.schedules == 0) return 2;
  if (list) return 0;

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%d schedules, %d violations\n", totals.schedules, totals.violations);
  if (!totals.failed.empty()) std::printf("first failing schedule: %s\n", totals.failed.front().c_str());
  std::printf("time: %.1f s\n", seconds);
  if (!sel.only.empty() && totals.schedules < static_cast<int>(sel.only.size())) {
    std::printf("%zu requested schedule id(s) do not exist\n", sel.only.size() - static_cast<size_t>(totals.schedules));
    return 1;
  }
  return totals.violations == 0 ? 0 : 1;
}
