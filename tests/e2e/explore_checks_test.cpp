// The exploration's checks (explore_checks.h) catch what they claim to: each invariant broken on
// a hand-made end state is reported, and a clean end is not. Runs no process.
#include "tests/e2e/explore_checks.h"

#include <gtest/gtest.h>

#include "tests/e2e/explore_world.h"

namespace patbot::e2e::explore {
namespace {

using nlohmann::json;

const Scenario& scenarioNamed(const std::string& name) {
  for (const auto& s : scenarios()) {
    if (s.name == name) return s;
  }
  throw std::runtime_error(name);
}

json token(int64_t id, bool revoked, const std::string& value, const std::string& name, int64_t user = 10) {
  return {{"id", id}, {"user_id", user}, {"name", name}, {"revoked", revoked}, {"value", value}};
}

// Old token 101, maybe a new 500, the project variable holding `held`.
json world(bool oldRevoked, std::optional<bool> newRevoked, const std::string& held) {
  const std::string name = scenarioNamed("plain").tokenName;
  json tokens = json::array({token(101, oldRevoked, "glpat-old-value-0001", name)});
  if (newRevoked) tokens.push_back(token(500, *newRevoked, "glpat-new-value-0002", name));
  json vars = json::array({{{"key", kInventoryProjectKey}, {"value", held}}});
  return {{"tokens", tokens}, {"projects", json::array({{{"path", kInventoryProject}, {"variables", vars}}})},
          {"groups", json::array()}};
}

Observation observation(json state, std::vector<JournalRotation> rotations) {
  Observation o;
  o.state = std::move(state);
  o.slackMessages = json::array();
  o.rotations = std::move(rotations);
  o.auditVerifyExit = 0;
  o.idsBefore = {101};
  return o;
}

std::string joined(const Verdict& v) {
  std::string out;
  for (const auto& line : v.violations) out += line + "\n";
  return out;
}

Schedule baselineOf(const std::string& scenario, Actor actor = Actor::kSlack) {
  return Schedule{&scenarioNamed(scenario), actor, std::nullopt, ""};
}

TEST(ExploreChecks, ACompletedRotationPasses) {
  auto v = checkSchedule(baselineOf("plain"),
                         observation(world(true, false, "glpat-new-value-0002"), {{1, "k", "completed", 101, 500}}));
  EXPECT_EQ(v.end, EndState::kDone);
  EXPECT_TRUE(v.violations.empty()) << joined(v);
}

TEST(ExploreChecks, AConsumerOnARevokedTokenIsReported) {
  auto v = checkSchedule(baselineOf("plain"),
                         observation(world(true, false, "glpat-old-value-0001"), {{1, "k", "completed", 101, 500}}));
  EXPECT_NE(joined(v).find("(a)"), std::string::npos) << joined(v);
  EXPECT_NE(joined(v).find("(c)"), std::string::npos) << joined(v);
}

TEST(ExploreChecks, AnOrphanAndAJournalThatDisagreesAreReported) {
  auto v = checkSchedule(baselineOf("plain"),
                         observation(world(false, false, "glpat-old-value-0001"), {{1, "k", "rolled_back", 101, 500}}));
  EXPECT_NE(joined(v).find("(b)"), std::string::npos) << joined(v);
  EXPECT_NE(joined(v).find("(d)"), std::string::npos) << joined(v);
}

TEST(ExploreChecks, ADecisionOutsideTheTableIsReported) {
  auto v = checkSchedule(baselineOf("plain"), observation(world(false, false, "glpat-old-value-0001"),
                                                          {{1, "k", "awaiting_decision", 101, 500}}));
  EXPECT_EQ(v.end, EndState::kDecision);
  EXPECT_NE(joined(v).find("(c) ends waiting"), std::string::npos) << joined(v);
  Schedule verifyFailed = baselineOf("plain");
  verifyFailed.target = FaultTarget{false, "GET", "/api/v4/projects/sec/inventory-builder/pipelines/47", 1, "verify"};
  verifyFailed.action = "500_before";
  EXPECT_TRUE(checkSchedule(verifyFailed, observation(world(false, false, "glpat-old-value-0001"),
                                                      {{1, "k", "awaiting_decision", 101, 500}}))
                  .violations.empty());
}

TEST(ExploreChecks, AValueAnywhereButTheRevealIsReported) {
  auto o = observation(world(true, false, "glpat-new-value-0002"), {{1, "k", "completed", 101, 500}});
  o.serveLogs = "debug: sent glpat-new-value-0002\n";
  o.metrics = "x glpat-old-value-0001";
  o.dbBytes = std::string("\0\1glpat-old-value-0001", 22);
  o.slackMessages = json::array({{{"seq", 3}, {"via", "chat.postMessage"}, {"channel", "C1"},
                                  {"message", {{"text", "glpat-new-value-0002"}}}}});
  auto v = checkSchedule(baselineOf("plain"), o);
  auto text = joined(v);
  EXPECT_NE(text.find("token 500 is in patbot serve's log"), std::string::npos) << text;
  EXPECT_NE(text.find("token 101 is in /metrics"), std::string::npos) << text;
  EXPECT_NE(text.find("token 101 is in the database file"), std::string::npos) << text;
  EXPECT_NE(text.find("token 500 is in Slack message #3"), std::string::npos) << text;
  EXPECT_EQ(text.find("glpat-"), std::string::npos) << "a violation printed a value";
  EXPECT_EQ(v.logTail.find("glpat-new"), std::string::npos);
}

TEST(ExploreChecks, TheRevealToTheRequesterIsAllowedOnceAndRequired) {
  const Scenario& reveal = scenarioNamed("reveal");
  json state = {{"tokens", json::array({token(107, true, "glpat-old-value-0107", reveal.tokenName, 12),
                                       token(500, false, "glpat-new-value-0500", reveal.tokenName, 12)})},
                {"projects", json::array()}, {"groups", json::array()}};
  Observation o = observation(state, {{1, "k", "completed", 107, 500}});
  o.idsBefore = {107};
  o.requesterUrl = "http://slack/commands/1";
  json reveal1 = {{"seq", 1}, {"via", "response_url"}, {"response_url", o.requesterUrl}, {"response_type", "ephemeral"},
                  {"message", {{"text", "New value glpat-new-value-0500"}}}};
  Schedule s{&reveal, Actor::kSlack, std::nullopt, ""};
  auto lost = checkSchedule(s, o);
  EXPECT_NE(joined(lost).find("reached nobody"), std::string::npos) << joined(lost);
  o.slackMessages = json::array({reveal1});
  EXPECT_TRUE(checkSchedule(s, o).violations.empty()) << joined(checkSchedule(s, o));
  reveal1["seq"] = 2;
  o.slackMessages.push_back(reveal1);
  EXPECT_NE(joined(checkSchedule(s, o)).find("Slack message #2"), std::string::npos);
}

// sec/app's project token 201 rotated to 204, then (an answer lost) 204 to 205; DEPLOY_TOKEN holds
// 205's value; `calls` is the fake's call log.
Observation projectRotated(json calls) {
  const Scenario& sc = scenarioNamed("project_rotate");
  auto resourceToken = [&](int64_t id, bool revoked, const std::string& value) {
    json t = token(id, revoked, value, sc.tokenName, 301);
    t["resource_type"] = "project";
    t["resource_id"] = sc.resourceId;
    return t;
  };
  json tokens = json::array({resourceToken(201, true, "glpat-old-value-0001"), resourceToken(204, true, "glpat-mid-value-0003"),
                             resourceToken(205, false, "glpat-new-value-0002")});
  json vars = json::array({{{"key", sc.consumerKey}, {"value", "glpat-new-value-0002"}}});
  Observation o = observation({{"tokens", tokens}, {"projects", json::array({{{"path", sc.consumerProject}, {"variables", vars}}})},
                               {"groups", json::array()}},
                              {{1, "k", "completed", 201, 205}});
  o.idsBefore = {201};
  o.gitlabCalls = std::move(calls);
  return o;
}

json rotateCall(int64_t id, int status, const std::string& fault = "") {
  json c = {{"method", "POST"}, {"path", "/api/v4/projects/7/access_tokens/" + std::to_string(id) + "/rotate"},
            {"status", status}};
  if (!fault.empty()) c["fault"] = fault;
  return c;
}

TEST(ExploreChecks, OneExtraRotatePerRequestPasses) {
  auto v = checkSchedule(baselineOf("project_rotate"),
                         projectRotated(json::array({rotateCall(201, 500, "500_after"), rotateCall(204, 200)})));
  EXPECT_EQ(v.end, EndState::kDone);
  EXPECT_TRUE(v.violations.empty()) << joined(v);
}

TEST(ExploreChecks, ASecondExtraRotateIsReported) {
  auto v = checkSchedule(baselineOf("project_rotate"),
                         projectRotated(json::array({rotateCall(201, 200, "kill_after"), rotateCall(204, 500, "500_after"),
                                                     rotateCall(205, 200), rotateCall(201, 500, "500_before")})));
  EXPECT_NE(joined(v).find("(g) GitLab carried out 3 rotates for 1 request(s)"), std::string::npos) << joined(v);
}

TEST(ExploreChecks, ARotateOfARevokedTokenIsReported) {
  auto v = checkSchedule(baselineOf("project_rotate"),
                         projectRotated(json::array({rotateCall(201, 200), rotateCall(201, 401)})));
  EXPECT_NE(joined(v).find("(g) a rotate of token 201 was answered 401"), std::string::npos) << joined(v);
}

}  // namespace
}  // namespace patbot::e2e::explore
