// The exploration's vocabulary: scenarios, actors, fault targets and schedules, each schedule with
// a stable id ("slack.plain/POST users/10/personal_access_tokens#1/kill_after") that replays it
// alone. Pure data; no process is touched here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace patbot::e2e::explore {

enum class Actor { kSlack, kCli, kWatcher };
const char* actorName(Actor a);   // "slack", "cli", "watcher"

// One way a rotation is asked for and configured. The world (seed and policy) of each is built
// by explore_world.h.
struct Scenario {
  std::string name;            // "plain", "immediate", "reveal", "grace", "expired", "two", "decide_retry", ...
  int64_t tokenId = 101;       // the token rotated
  std::string tokenName;
  std::string account;
  bool immediate = false;
  bool reveal = false;         // no consumers: the value goes to the requester
  bool graceHours = false;     // revoke_grace_hours = 48: the old token stays until the grace ends
  bool expired = false;        // the old token expired yesterday
  bool groupVariable = false;  // a second consumer: the group variable
  bool pipeline = false;       // a verify pipeline
  // Project and group access tokens (issue 16, world kinds_world.h): "personal" or the kind, the
  // resource's path and id, the one project variable that consumes the token, and the strategy
  // the policy gives it ("" = the kind's default: rotate for these kinds).
  std::string kind = "personal";
  std::string resource;
  int64_t resourceId = 0;
  std::string consumerProject;
  std::string consumerKey;
  std::string strategy;
  std::string decision;        // "" or retry / roll_back / revoke_old: the rotation first stops in
                               // awaiting_decision (its pipeline fails), then this button is clicked
  std::vector<Actor> actors;
  // Actors whose planning reads (the calls before the first create, the same code in every
  // scenario) get faults too; the others get faults from the create on.
  std::vector<Actor> planFaultActors;
};

const std::vector<Scenario>& scenarios();

// A project or group token rotated with GitLab's rotate endpoint: the old value dies with the
// call, as with --immediate.
bool rotatesInPlace(const Scenario& s);

// Where a fault lands: the occurrence-th GitLab call with this method and path (after arming),
// or the occurrence-th Slack call through `via` ("response_url", "chat.postMessage", ...).
struct FaultTarget {
  bool slack = false;
  std::string method;          // GitLab: "POST"; Slack: ""
  std::string path;            // GitLab: "/api/v4/users/10/personal_access_tokens"; Slack: the via
  int occurrence = 1;
  // The rotation step the call belongs to, from the baseline's order: plan (reads before the
  // first create), create, deliver, verify, revoke, issue, decision (after a button click), or
  // slack.
  std::string step;
};

// GitLab actions (sim/fake_gitlab.h ScheduledFault) and Slack actions (fake_slack_state.h).
const std::vector<std::string>& gitlabActions();   // kill_before kill_after 500_after 500_before 429 hang
const std::vector<std::string>& slackActions();    // down ratelimited expired

struct Schedule {
  const Scenario* scenario = nullptr;
  Actor actor = Actor::kSlack;
  std::optional<FaultTarget> target;   // none: the fault-free baseline
  std::string action;

  std::string id() const;
  bool kills() const { return action == "kill_before" || action == "kill_after"; }
};

// "slack.plain" etc.
std::string scenarioKey(const Scenario& s, Actor a);

}  // namespace patbot::e2e::explore
