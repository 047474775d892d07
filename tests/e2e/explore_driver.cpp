#include "tests/e2e/explore_driver.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <map>
#include <set>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "core/clock.h"
#include "sim/seeds.h"
#include "tests/e2e/explore_world.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/rotation_end.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e::explore {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kWait = 60s;          // longest wait for any one condition
constexpr auto kQuiet = 600ms;       // no new GitLab call or Slack message for this long = quiet
constexpr auto kPoll = 40ms;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool endsWith(const std::string& text, const std::string& tail) {
  return text.size() > tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// A call that makes a new token: a personal token's create, a project/group token's create, or
// GitLab's rotate (of any kind).
bool isCreate(const std::string& method, const std::string& path) {
  if (method != "POST") return false;
  if (endsWith(path, "/personal_access_tokens")) return path != "/api/v4/personal_access_tokens";
  return endsWith(path, "/access_tokens") || isRotateCall(path);
}

// The step a call after the first create belongs to (FaultTarget::step).
std::string stepAfterCreate(const std::string& method, const std::string& path) {
  if (isCreate(method, path)) return "create";
  if (path.find("/variables") != std::string::npos) return "deliver";
  if (path.find("/personal_access_tokens/self") != std::string::npos || path.find("/pipeline") != std::string::npos) {
    return "verify";
  }
  if (method == "DELETE") return "revoke";
  if (path.find("/issues") != std::string::npos) return "issue";
  return "create";
}

}  // namespace

struct Explorer::Run {
  const Schedule* schedule = nullptr;
  std::string dbPath;
  std::string policyPath;
  json seed;
  std::set<int64_t> idsBefore;
  int64_t armedGitLabSeq = 0;      // last /_fake/calls seq before arming
  int64_t armedSlackSeq = 0;       // last /_fake/messages seq before arming
  std::unique_ptr<ChildProcess> cli;
  std::string cliOutput;
  std::string requesterUrl;
  int64_t decisionRotation = 0;
  size_t decisionSteps = 0;
  bool killed = false;
  std::vector<std::string> notes;
};

Explorer::Explorer() {
  StackOptions o;
  o.demoSeed = true;
  o.startBot = false;
  o.extraEnv = {{"PATBOT_NOTIFY_CHANNEL", "C0OPS00001"},
                {"GITLAB_TIMEOUT_SECONDS", "2"},
                {"GITLAB_CONCURRENCY", "1"},   // one call at a time: occurrences are deterministic
                {"PATBOT_LOG_LEVEL", "debug"}};
  stack_ = std::make_unique<E2eStack>(o);
}

namespace {

int64_t lastSeq(const json& list) { return list.is_array() && !list.empty() ? list.back().value("seq", int64_t{0}) : 0; }

json getJson(E2eStack& stack, const std::string& url) { return json::parse(stack.get(url).body, nullptr, false); }

// Rotation rows and the number of journal steps, read from the database file (WAL: readable
// while patbot writes). Missing file or table = nothing yet.
struct JournalView {
  std::vector<JournalRotation> rotations;
  bool settled() const {
    for (const auto& r : rotations) {
      if (!rotationSettled(r.state)) return false;
    }
    return true;
  }
};

JournalView journalOf(const std::string& dbPath) {
  JournalView v;
  if (!std::filesystem::exists(dbPath)) return v;
  std::string error;
  v.rotations = readJournal(dbPath, &error);
  return v;
}

size_t stepCount(const std::string& dbPath, int64_t rotationId);

}  // namespace

void Explorer::prepare(Run& run) {
  E2eStack& s = *stack_;
  s.stopBot(false);
  s.clearPreviousBotOutput();
  const Scenario& sc = *run.schedule->scenario;
  SystemClock clock;
  run.seed = scenarioSeed(sc, utcDay(clock.now()));
  for (const auto& t : run.seed["tokens"]) {
    if (inFamily(sc, t)) run.idsBefore.insert(t["id"].get<int64_t>());
  }
  setGitLabFaults(s, json::object());
  resetGitLab(s, run.seed);
  s.post(s.slackUrl + "/_fake/reset", "{}");
  ++runs_;
  run.dbPath = fmt::format("{}/explore-{}.db", s.dir(), runs_);
  run.policyPath = fmt::format("{}/explore-{}.toml", s.dir(), runs_);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(run.dbPath + suffix);
  std::ofstream(run.policyPath) << scenarioPolicy(sc, run.schedule->actor);
  s.setBotEnv("PATBOT_DB", run.dbPath);
  s.setBotEnv("PATBOT_CONFIG", run.policyPath);
}

bool Explorer::startServe(Run& run, bool waitForScan) {
  E2eStack& s = *stack_;
  if (!s.startBot()) {
    run.notes.push_back("patbot serve did not start: " + s.startupLog().substr(0, 300));
    return false;
  }
  if (!waitForScan) return true;
  if (!s.bot()->waitFor("GitLab reachable", kWait) || !s.bot()->waitFor("watcher: scan", kWait)) {
    run.notes.push_back("patbot serve's start-up check or scan did not finish");
    return false;
  }
  return true;
}

void Explorer::arm(Run& run) {
  E2eStack& s = *stack_;
  run.armedGitLabSeq = lastCallSeq(fakeGitLabCalls(s));
  run.armedSlackSeq = lastSeq(getJson(s, s.slackUrl + "/_fake/messages"));
  const auto& target = run.schedule->target;
  if (!target) return;
  if (target->slack) {
    json body = {{"schedule", {{{"via", target->path}, {"occurrence", target->occurrence}, {"action", run.schedule->action}}}}};
    s.post(s.slackUrl + "/_fake/schedule", body.dump());
  } else {
    json body = {{"schedule",
                  {{{"method", target->method}, {"path", target->path}, {"occurrence", target->occurrence},
                    {"action", run.schedule->action}}}}};
    setGitLabFaults(s, body);
  }
}

namespace {

size_t stepCount(const std::string& dbPath, int64_t rotationId) {
  try {
    SQLite::Database db(dbPath, SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM rotation_steps WHERE rotation_id = ?");
    q.bind(1, rotationId);
    return q.executeStep() ? static_cast<size_t>(q.getColumn(0).getInt64()) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string commandText(const Scenario& sc) {
  std::string text = fmt::format("rotate {} --yes", sc.tokenId);
  if (sc.immediate) text += " --immediate";
  if (sc.reveal) text += " --reveal";
  return text;
}

}  // namespace

void Explorer::trigger(Run& run) {
  E2eStack& s = *stack_;
  const Scenario& sc = *run.schedule->scenario;
  if (!sc.decision.empty()) {
    auto report = s.click("pat_decide_" + sc.decision, std::to_string(run.decisionRotation), kOperator);
    run.requesterUrl = report.value("response_url", "");
    return;
  }
  switch (run.schedule->actor) {
    case Actor::kSlack: {
      auto report = s.slash(commandText(sc), kOperator);
      run.requesterUrl = report.value("response_url", "");
      break;
    }
    case Actor::kCli: {
      std::vector<std::string> args{"rotate", std::to_string(sc.tokenId), "--yes"};
      if (sc.immediate) args.push_back("--immediate");
      if (sc.reveal) args.push_back("--reveal");
      run.cli = std::make_unique<ChildProcess>(buildDir() + "/bot/patbot", args, s.env());
      break;
    }
    case Actor::kWatcher:
      startServe(run, /*waitForScan=*/false);
      break;
  }
}

// Waits for the fault to land (kills: the call is held, then the process making it is killed) or
// for the request to end, then releases whatever the fake still holds.
void Explorer::await(Run& run) {
  E2eStack& s = *stack_;
  const Schedule& sch = *run.schedule;
  if (sch.kills()) {
    bool held = false;
    const auto cliExited = [&] { return run.cli && run.cli->wait(1ms) != -1; };
    waitUntil([&] { return (held = heldGitLabCalls(s) > 0) || cliExited(); }, kWait, kPoll);
    if (!held) {
      run.notes.push_back("the scheduled call never arrived (fault did not fire)");
    } else if (run.cli) {
      run.cli->kill9();
      run.killed = true;
    } else {
      s.stopBot(/*crash=*/true);
      run.killed = true;
    }
    setGitLabFaults(s, json::object());
    if (run.cli) {
      run.cli->wait(kWait);
      run.cliOutput = run.cli->output();
    }
    return;
  }
  // Not a kill: the request runs to its end.
  const bool decision = !sch.scenario->decision.empty();
  int64_t lastGitLab = -1, lastSlack = -1;
  auto quietSince = SteadyClock::now();
  const auto started = SteadyClock::now();
  const bool ended = waitUntil([&] {
    bool actorDone = false;
    if (decision) {
      bool moved = stepCount(run.dbPath, run.decisionRotation) > run.decisionSteps;
      actorDone = moved || SteadyClock::now() - started > 3s;
    } else if (sch.actor == Actor::kCli) {
      actorDone = run.cli->wait(1ms) != -1;
    } else if (sch.actor == Actor::kSlack) {
      actorDone = s.get(s.botUrl + "/metrics").body.find("patbot_command_duration_seconds_count{subcommand=\"rotate\"}") !=
                  std::string::npos;
    } else {
      actorDone = s.bot() && s.bot()->output().find("watcher: scan ") != std::string::npos;
    }
    int64_t g = lastCallSeq(fakeGitLabCalls(s, std::max<int64_t>(0, lastGitLab)));
    int64_t m = lastSeq(getJson(s, s.slackUrl + "/_fake/messages?since=" + std::to_string(std::max<int64_t>(0, lastSlack))));
    if ((g != 0 && g != lastGitLab) || (m != 0 && m != lastSlack)) {
      if (g != 0) lastGitLab = g;
      if (m != 0) lastSlack = m;
      quietSince = SteadyClock::now();
    }
    bool quiet = SteadyClock::now() - quietSince >= kQuiet;
    return actorDone && quiet && journalOf(run.dbPath).settled();
  }, kWait, kPoll);
  if (!ended) run.notes.push_back("the request did not end within 60 s");
  if (sch.target) {
    auto j = getJson(s, sch.target->slack ? s.slackUrl + "/_fake/schedule" : s.gitlabUrl + "/_fake/faults");
    bool fired = j.is_object() && !j["schedule"].empty() && j["schedule"][0].value("fired", false);
    if (!fired) run.notes.push_back("the scheduled call never arrived (fault did not fire)");
  }
  setGitLabFaults(s, json::object());
  s.post(s.slackUrl + "/_fake/schedule", R"({"schedule":[]})");
  if (run.cli) {
    run.cli->wait(kWait);
    run.cliOutput = run.cli->output();
  }
}

void Explorer::restartAndRecover(Run& run) {
  E2eStack& s = *stack_;
  s.stopBot(/*crash=*/false);
  setGitLabFaults(s, json::object());
  s.post(s.slackUrl + "/_fake/schedule", R"({"schedule":[]})");
  if (!startServe(run, /*waitForScan=*/true)) return;
  int64_t lastGitLab = -1;
  auto quietSince = SteadyClock::now();
  const bool settled = waitUntil([&] {
    int64_t g = lastCallSeq(fakeGitLabCalls(s, std::max<int64_t>(0, lastGitLab)));
    if (g != 0 && g != lastGitLab) {
      lastGitLab = g;
      quietSince = SteadyClock::now();
    }
    return SteadyClock::now() - quietSince >= kQuiet && journalOf(run.dbPath).settled();
  }, kWait, kPoll);
  if (!settled) run.notes.push_back("start-up recovery did not settle within 60 s");
}

Observation Explorer::observe(Run& run) {
  E2eStack& s = *stack_;
  Observation o;
  o.metrics = s.bot() ? s.get(s.botUrl + "/metrics").body : "";
  o.state = fakeGitLabState(s);
  o.gitlabCalls = fakeGitLabCalls(s);
  o.slackMessages = getJson(s, s.slackUrl + "/_fake/messages");
  if (!o.slackMessages.is_array()) o.slackMessages = json::array();
  s.stopBot(false);
  o.serveLogs = s.previousBotOutput();
  o.cliOutput = run.cliOutput;
  o.rotations = readJournal(run.dbPath, &o.journalError);
  auto [code, out] = s.patbot({"audit", "verify"});
  o.auditVerifyExit = code;
  o.auditVerifyOutput = out;
  o.dbBytes = readFile(run.dbPath) + readFile(run.dbPath + "-wal");
  o.requesterUrl = run.requesterUrl;
  o.idsBefore = run.idsBefore;
  o.stackSecrets = s.secrets();
  o.driverNotes = run.notes;
  return o;
}

void Explorer::discoverTargets(Run& run, Discovery& d) {
  E2eStack& s = *stack_;
  const Scenario& sc = *run.schedule->scenario;
  const Actor actor = run.schedule->actor;
  const bool planFaults = std::find(sc.planFaultActors.begin(), sc.planFaultActors.end(), actor) != sc.planFaultActors.end();
  auto calls = fakeGitLabCalls(s, run.armedGitLabSeq);
  std::map<std::pair<std::string, std::string>, int> seen;
  bool created = false;
  for (const auto& c : calls) {
    std::string method = c.value("method", ""), path = c.value("path", "");
    int occurrence = ++seen[{method, path}];
    if (isCreate(method, path)) created = true;
    std::string step = !sc.decision.empty() ? "decision" : created ? stepAfterCreate(method, path) : "plan";
    if (step == "plan" && !planFaults) continue;
    d.targets.push_back(FaultTarget{false, method, path, occurrence, step});
  }
  // Slack carries the value (reveal) or the decision (buttons): every post to a response_url.
  if (sc.reveal || !sc.decision.empty()) {
    auto messages = getJson(s, s.slackUrl + "/_fake/messages?since=" + std::to_string(run.armedSlackSeq));
    int posts = 0;
    for (const auto& m : messages) {
      posts += m.value("via", "") == "response_url";
      if (std::getenv("EXPLORE_DEBUG")) {
        std::fprintf(stderr, "discover %s: message #%lld via %s\n", run.schedule->id().c_str(),
                     static_cast<long long>(m.value("seq", int64_t{0})), m.value("via", "?").c_str());
      }
    }
    for (int k = 1; k <= posts; ++k) d.targets.push_back(FaultTarget{true, "", "response_url", k, "slack"});
  }
}

Verdict Explorer::execute(const Schedule& schedule, Discovery* discovery) {
  Run run;
  run.schedule = &schedule;
  const Scenario& sc = *schedule.scenario;
  prepare(run);
  bool ok = true;
  if (!sc.decision.empty()) {
    // Stop a rotation in awaiting_decision first (its pipeline fails), fault-free.
    ok = startServe(run, true);
    if (ok) {
      stack_->slash(commandText(sc), kOperator);
      waitUntil(
          [&] {
            auto j = journalOf(run.dbPath);
            bool stopped = !j.rotations.empty() && j.rotations.back().state == "awaiting_decision";
            if (stopped) run.decisionRotation = j.rotations.back().id;
            return stopped;
          },
          kWait, kPoll);
      ok = run.decisionRotation != 0;
      if (!ok) run.notes.push_back("the set-up rotation did not stop for a decision");
      if (ok && sc.decision == "retry") {
        resetGitLab(*stack_, repairedPipeline(fakeGitLabState(*stack_)));
      }
      run.decisionSteps = stepCount(run.dbPath, run.decisionRotation);
    }
  } else if (schedule.actor != Actor::kWatcher) {
    ok = startServe(run, true);
  }
  if (ok) {
    arm(run);
    trigger(run);
    await(run);
    if (discovery) discoverTargets(run, *discovery);
    restartAndRecover(run);
  }
  Observation o = observe(run);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(run.dbPath + suffix);
  std::filesystem::remove(run.policyPath);
  return checkSchedule(schedule, o);
}

Discovery Explorer::discover(const Scenario& scenario, Actor actor) {
  Discovery d;
  Schedule baseline{&scenario, actor, std::nullopt, ""};
  d.baseline = execute(baseline, &d);
  return d;
}

Verdict Explorer::run(const Schedule& schedule) { return execute(schedule, nullptr); }

std::vector<Schedule> schedulesOf(const Scenario& scenario, Actor actor, const Discovery& discovery) {
  std::vector<Schedule> out;
  for (const auto& t : discovery.targets) {
    for (const auto& a : t.slack ? slackActions() : gitlabActions()) out.push_back(Schedule{&scenario, actor, t, a});
  }
  return out;
}

}  // namespace patbot::e2e::explore
