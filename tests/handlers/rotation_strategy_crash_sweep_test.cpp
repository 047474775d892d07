// Issue 16: strategy rotate stopped at every GitLab call it makes — once before the call takes
// effect, once after (a process killed before it hears the answer) — then recovered by a fresh
// engine on the same journal, as `patbot serve` does at start-up; and every such recovery stopped
// again at each of its own calls and recovered once more (a second crash, e.g. during the extra
// rotate). After each schedule the fake GitLab's state must show the promise of strategy rotate:
// GitLab rotated the token at most twice for the request (the rotate and at most one extra); the
// token's user is kept and exactly one of its tokens is active; every consumer holds that active
// token's value, or the rotation waits for a decision with a sentence saying why; a completed
// journal names the delivered token and its value's digest; no value in the journal or the audit
// trail, whose chain verifies. Scenarios: a project token (one consumer and a verify pipeline), a
// personal token in instance mode (two consumers, pipeline, tracking issue), and the project
// token whose first rotate answer is lost (500 after the work), so that the extra rotate happens
// before the crash. In process, on a fake clock. (rotation_crash_sweep_test.cpp: strategy replace.)
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

#include "storage/audit_hash.h"
#include "tests/handlers/rotation_strategy_fixture.h"

namespace patbot::handlers::testing {
namespace {

enum class Scenario { kProject, kPersonal, kProjectLostAnswer };
const char* scenarioName(Scenario s) {
  switch (s) {
    case Scenario::kProject: return "project";
    case Scenario::kPersonal: return "personal";
    case Scenario::kProjectLostAnswer: return "project-lost-answer";
  }
  return "?";
}

// Where the process dies: the `crashAt`-th GitLab call of a phase (1-based; 0 = never), before or
// after GitLab carried it out.
struct CrashPoint {
  int crashAt = 0;
  bool afterEffect = false;
};

// Calls counted and crashed at during one phase (execute(), or one recover()).
struct Phase {
  bool active = false;
  int calls = 0;
  CrashPoint at;
};

class RotationStrategyCrashSweep : public RotationStrategyFixture {
 protected:
  int64_t oldId(Scenario s) const { return s == Scenario::kPersonal ? 101 : kAppToken; }
  int64_t userOf(Scenario s) const { return s == Scenario::kPersonal ? 10 : kAppBot; }
  std::string tokenName(Scenario s) const { return s == Scenario::kPersonal ? kInventoryTokenName : kAppTokenName; }
  std::vector<std::string> consumerKeys(Scenario s) const {
    if (s == Scenario::kPersonal) return {"GITLAB_API_TOKEN", "INVENTORY_TOKEN"};
    return {"APP_TOKEN"};
  }

  // One schedule: execute() crashing at `first`; if it crashed, recover() crashing at `second`;
  // if that crashed too, recover() once more. Returns the violations; sets the calls each phase
  // made (0 for a phase that did not run).
  std::vector<std::string> runSchedule(Scenario s, CrashPoint first, CrashPoint second, int& executeCalls,
                                       int& recoverCalls) {
    engine_.reset();   // a fresh GitLab, database and engine: users of the database go first
    journal_.reset();
    audit_.reset();
    db_.reset();
    SetUp();
    if (s == Scenario::kProjectLostAnswer) {
      fakes::Faults faults;
      faults.schedule = {{"POST", "/api/v4/projects/7/access_tokens/201/rotate", 1, "500_after"}};
      gitlab_->fake().setFaults(faults);
    }
    Phase phase;
    transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
      if (!phase.active || ++phase.calls != phase.at.crashAt) return std::nullopt;
      if (phase.at.afterEffect) (void)transport_->forward(r);
      throw SimulatedCrash{};
    };
    auto req = s == Scenario::kPersonal ? strategyRequest("101", RotationStrategy::kRotate, "sweep")
                                        : strategyRequest("project:ext/app/deploy-token", std::nullopt, "sweep");
    auto plan = engine_->plan(req);
    if (!plan) return {"plan failed: " + plan.error().message};
    if (plan->strategy != RotationStrategy::kRotate) return {"the plan is not strategy rotate"};

    auto runPhase = [&](CrashPoint at, const std::function<void()>& body) {
      phase = Phase{true, 0, at};
      bool crashed = false;
      try {
        body();
      } catch (const SimulatedCrash&) {
        crashed = true;
      }
      phase.active = false;
      return crashed;
    };
    recoverCalls = 0;
    bool crashed = runPhase(first, [&] { (void)engine_->execute(*plan, req, sink_); });
    executeCalls = phase.calls;
    if (crashed) {
      makeEngine();   // a new process
      bool again = runPhase(second, [&] { (void)engine_->recover(); });
      recoverCalls = phase.calls;
      if (again) {
        makeEngine();   // and another
        (void)runPhase({}, [&] { (void)engine_->recover(); });
      }
    }
    transport_->intercept = nullptr;
    return check(s);
  }

  std::vector<std::string> check(Scenario s) {
    std::vector<std::string> v;
    const nlohmann::json state = gitlab_->state();   // kept alive while iterating
    int rotates = 0;
    {
      http::Request r;
      r.method = "GET";
      r.path = "/_fake/calls";
      for (const auto& c : nlohmann::json::parse(gitlab_->fake().handle(r).body)) {
        const std::string path = c["path"].get<std::string>();
        if (c["method"] == "POST" && path.size() > 7 && path.compare(path.size() - 7, 7, "/rotate") == 0) ++rotates;
      }
    }
    if (rotates > 2) v.push_back(fmt::format("{} rotate calls for one request", rotates));

    std::map<std::string, std::pair<int64_t, bool>> byValue;   // value → (id, active)
    std::vector<int64_t> active;
    for (const auto& t : state["tokens"]) {
      if (t["name"] != tokenName(s)) continue;
      const int64_t id = t["id"].get<int64_t>();
      const bool isActive = !t["revoked"].get<bool>();
      if (isActive) {
        active.push_back(id);
        if (t["user_id"] != userOf(s)) v.push_back(fmt::format("active token {} has another user", id));
      }
      byValue[t["value"].get<std::string>()] = {id, isActive};
    }
    if (active.size() != 1) v.push_back(fmt::format("{} active tokens", active.size()));

    auto found = journal_->findByRequestKey("sweep");
    if (!found || !*found) return v.empty() ? std::vector<std::string>{"no rotation journaled"} : v;
    const auto record = **found;
    const std::string jstate = storage::rotationStateName(record.state);

    bool consumersOnActive = true;
    for (const auto& key : consumerKeys(s)) {
      auto it = byValue.find(variableValue(key));
      if (it == byValue.end() || !it->second.second) consumersOnActive = false;
    }
    if (jstate == "awaiting_decision") {
      // Allowed, with a sentence saying why.
      auto pending = engine_->rotationOwning(oldId(s));
      if (!pending || !*pending || (*pending)->stoppedAt.size() < 20) {
        v.push_back("awaiting a decision without saying why");
      }
    } else if (!storage::isTerminal(record.state)) {
      v.push_back("unfinished after recovery: " + jstate);
    } else if (!consumersOnActive) {
      v.push_back(jstate + ", yet a consumer does not hold the active token");
    }
    if (jstate == "completed") {
      if (revokedOrMissing(oldId(s)) == false) v.push_back("completed, yet the old token is active");
      if (active.size() == 1) {
        if (record.newTokenId != active.front()) {
          v.push_back(fmt::format("completed, yet the journal names token {} and {} is the active one",
                                  record.newTokenId.value_or(0), active.front()));
        }
        for (const auto& [value, idAndActive] : byValue) {
          if (idAndActive.first == active.front() && record.newValueSha256 != storage::sha256Hex(value)) {
            v.push_back("completed, yet the journal's digest is not the active token's");
          }
        }
      }
    }
    if (jstate == "rolled_back" && !(active.size() == 1 && active.front() == oldId(s))) {
      v.push_back("rolled back, yet the old token is not the active one");
    }

    auto verified = audit_->verify();
    if (!verified || verified->firstBadId) v.push_back("the audit chain does not verify");
    storage::AuditQuery q;
    q.limit = storage::SqliteAuditStore::kMaxLimit;
    auto audit = audit_->latest(q);
    if (!audit) v.push_back("the audit trail cannot be read: " + audit.error().message);
    std::string text = record.plan.dump() + record.error;
    if (audit) {
      for (const auto& e : *audit) text += e.record.detail.dump() + e.record.target;
    }
    if (auto steps = journal_->steps(record.id)) {
      for (const auto& st : *steps) text += st.detail.dump();
    }
    for (const auto& [value, idAndActive] : byValue) {
      if (text.find(value) != std::string::npos) v.push_back(fmt::format("the value of token {} was stored", idAndActive.first));
    }
    return v;
  }

  bool revokedOrMissing(int64_t id) {
    auto t = token(id);
    return t.is_null() || t["revoked"].get<bool>();
  }
};

TEST_F(RotationStrategyCrashSweep, EveryCallOfARotateAndOfItsRecoveryBeforeAndAfterItsEffect) {
  int schedules = 0, recoveries = 0;
  std::vector<std::string> failures;
  auto record = [&](Scenario s, const std::string& where, const std::vector<std::string>& violations) {
    ++schedules;
    for (const auto& v : violations) failures.push_back(fmt::format("{}/{}: {}", scenarioName(s), where, v));
  };
  for (Scenario s : {Scenario::kProject, Scenario::kPersonal, Scenario::kProjectLostAnswer}) {
    int baseline = 0, none = 0;
    auto clean = runSchedule(s, {}, {}, baseline, none);
    record(s, "no-crash", clean);
    ASSERT_GT(baseline, 3) << scenarioName(s);
    for (int at = 1; at <= baseline; ++at) {
      for (bool after : {false, true}) {
        const std::string first = fmt::format("call {}/{}", at, after ? "after" : "before");
        int calls = 0, recoverBaseline = 0;
        record(s, first, runSchedule(s, {at, after}, {}, calls, recoverBaseline));
        // The same crash, then recovery stopped at each of its own calls.
        for (int again = 1; again <= recoverBaseline; ++again) {
          for (bool againAfter : {false, true}) {
            int c1 = 0, c2 = 0;
            record(s, fmt::format("{}, recovery call {}/{}", first, again, againAfter ? "after" : "before"),
                   runSchedule(s, {at, after}, {again, againAfter}, c1, c2));
            ++recoveries;
          }
        }
      }
    }
  }
  std::cout << schedules << " schedules (" << recoveries << " with a crash in recovery), " << failures.size()
            << " violations\n";
  EXPECT_GE(recoveries, 50);
  for (const auto& f : failures) ADD_FAILURE() << f;
}

}  // namespace
}  // namespace patbot::handlers::testing
