// Explorer: runs schedules against the real `patbot` binary between one fake GitLab and one fake
// Slack process, which are reused across schedules (POST /_fake/reset with the scenario's seed; a
// new database file per schedule). Only patbot is started and stopped. Waits are on observable
// conditions (a held call, the journal's states, the command metric, the CLI's exit, quiet
// fakes), never on fixed sleeps. One Explorer runs one schedule at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/explore_checks.h"
#include "tests/e2e/explore_model.h"

namespace patbot::e2e::explore {

struct Discovery {
  std::vector<FaultTarget> targets;   // every GitLab call after arming, then every response_url post
  Verdict baseline;                   // the fault-free run's own verdict
};

class Explorer {
 public:
  Explorer();
  bool ready() const { return stack_ && stack_->ready(); }
  std::string startupLog() const { return stack_ ? stack_->startupLog() : "no stack"; }

  // Runs the fault-free baseline of `scenario` by `actor` and derives the fault targets from it.
  Discovery discover(const Scenario& scenario, Actor actor);
  // Runs one schedule and checks it.
  Verdict run(const Schedule& schedule);

 private:
  struct Run;
  Verdict execute(const Schedule& schedule, Discovery* discovery);
  void prepare(Run& run);
  bool startServe(Run& run, bool waitForScan);
  void arm(Run& run);
  void trigger(Run& run);
  void await(Run& run);
  void restartAndRecover(Run& run);
  Observation observe(Run& run);
  void discoverTargets(Run& run, Discovery& discovery);

  std::unique_ptr<E2eStack> stack_;
  int runs_ = 0;
};

// The schedules of one scenario and actor: the baseline, then every (target, action).
std::vector<Schedule> schedulesOf(const Scenario& scenario, Actor actor, const Discovery& discovery);

}  // namespace patbot::e2e::explore
