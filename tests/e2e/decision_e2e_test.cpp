// End to end, through the fake Slack and the real `patbot serve`: the decision buttons after a
// failed verification, the same slash command delivered twice, stale and foreign buttons, and a
// grace-period revoke that must survive restarts.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {
namespace {

constexpr const char* kTokenName = "GitLab Security Service - Architecture - Inventory";
constexpr const char* kOperator = "U0ALICE001";

std::string policy(const std::string& extra = "") {
  return R"(
[access]
operators = ["U0ALICE001"]
)" + extra + R"(
[[token]]
account = "inventory-bot"
name    = "GitLab Security Service - Architecture - Inventory"
ci_variables    = [{ project = "sec/inventory-builder", key = "GITLAB_API_TOKEN" }]
group_variables = [{ group = "sec", key = "INVENTORY_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }
)";
}

StackOptions stackWith(const std::string& extra = "") {
  StackOptions o;
  o.demoSeed = true;
  o.policyToml = policy(extra);
  o.extraEnv = {{"PATBOT_NOTIFY_CHANNEL", "C0OPS00001"}};
  return o;
}

nlohmann::json state(E2eStack& stack) { return nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body); }

nlohmann::json tokenById(const nlohmann::json& s, int64_t id) {
  for (const auto& t : s["tokens"]) {
    if (t["id"] == id) return t;
  }
  return nullptr;
}

std::vector<nlohmann::json> activeNamed(const nlohmann::json& s) {
  std::vector<nlohmann::json> out;
  for (const auto& t : s["tokens"]) {
    if (t["name"] == kTokenName && !t["revoked"].get<bool>()) out.push_back(t);
  }
  return out;
}

// The value of the first button with this action id in waitForText()'s messages, "" if none.
std::string buttonValue(const std::string& messagesText, const std::string& actionId) {
  std::istringstream lines(messagesText);
  for (std::string line; std::getline(lines, line);) {
    auto m = nlohmann::json::parse(line, nullptr, false);
    if (!m.is_object()) continue;
    for (const auto& b : m.value("blocks", nlohmann::json::array())) {
      if (b.value("type", "") != "actions") continue;
      for (const auto& e : b["elements"]) {
        if (e.value("action_id", "") == actionId) return e.value("value", "");
      }
    }
  }
  return "";
}

nlohmann::json click(E2eStack& stack, const std::string& actionId, const std::string& value,
                     const std::string& user = kOperator) {
  auto r = stack.post(stack.slackUrl + "/_fake/click",
                      nlohmann::json{{"user_id", user}, {"channel_id", "C0PATBOT01"}, {"action_id", actionId},
                                     {"value", value}}.dump());
  return nlohmann::json::parse(r.body, nullptr, false);
}

TEST(DecisionE2e, FailedVerificationOffersDecisionsAndRetryFinishesOnce) {
  E2eStack stack(stackWith());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  // The verify pipeline reads BROKEN_TOKEN, which patbot does not update: it fails.
  auto seed = stack.seed();
  for (auto& p : seed["projects"]) {
    if (p["path"] != "sec/inventory-builder") continue;
    p["variables"].push_back({{"key", "BROKEN_TOKEN"}, {"value", "glpat-not-a-real-token-000"}, {"masked", true},
                              {"protected", false}, {"raw", false}, {"environment_scope", "*"},
                              {"variable_type", "env_var"}, {"hidden", false}});
    p["verify_variable"] = "BROKEN_TOKEN";
  }
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/reset", seed.dump()).status, 200);

  auto sent = stack.slash("rotate 101 --yes");
  auto stopped = stack.waitForText(sent["response_url"], "needs a decision");
  ASSERT_FALSE(stopped.empty()) << stack.textFor(sent["response_url"]);
  std::string rotation = buttonValue(stopped, "pat_decide_retry");
  ASSERT_FALSE(rotation.empty()) << stopped;
  EXPECT_FALSE(buttonValue(stopped, "pat_decide_roll_back").empty());
  EXPECT_FALSE(buttonValue(stopped, "pat_decide_revoke_old").empty());
  auto s = state(stack);
  EXPECT_FALSE(tokenById(s, 101)["revoked"].get<bool>()) << "verification failed: the old token must stay";
  auto active = activeNamed(s);
  ASSERT_EQ(active.size(), 2u);

  // A second /pat rotate of the same token is shown the stopped one, with its buttons.
  auto second = stack.slash("rotate 101 --yes");
  auto pending = stack.waitForText(second["response_url"], "waits for a decision");
  EXPECT_NE(pending.find("pat_decide_retry"), std::string::npos) << pending;

  // A reader cannot decide.
  auto byBob = click(stack, "pat_decide_revoke_old", rotation, "U0BOB00001");
  EXPECT_FALSE(stack.waitForText(byBob["response_url"], "Only operators").empty());
  EXPECT_FALSE(tokenById(state(stack), 101)["revoked"].get<bool>());

  // Fix the cause (the pipeline's variable gets the new value), then Retry.
  s = state(stack);
  std::string newValue;
  for (const auto& t : activeNamed(s)) {
    if (t["id"] != 101) newValue = t["value"];
  }
  for (auto& p : s["projects"]) {
    for (auto& v : p["variables"]) {
      if (v["key"] == "BROKEN_TOKEN") v["value"] = newValue;
    }
  }
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/reset", s.dump()).status, 200);
  auto retry = click(stack, "pat_decide_retry", rotation);
  auto done = stack.waitForText(retry["response_url"], "Rotated");
  ASSERT_FALSE(done.empty()) << stack.textFor(retry["response_url"]);
  s = state(stack);
  EXPECT_TRUE(tokenById(s, 101)["revoked"].get<bool>());
  EXPECT_EQ(activeNamed(s).size(), 1u);

  // Pressing Retry again, or Roll back on the finished rotation, changes nothing.
  auto again = click(stack, "pat_decide_roll_back", rotation);
  EXPECT_FALSE(stack.waitForText(again["response_url"], "nothing to decide").empty());
  EXPECT_EQ(activeNamed(state(stack)).size(), 1u);
  auto [code, verify] = stack.patbot({"audit", "verify"});
  EXPECT_EQ(code, 0) << verify;
  EXPECT_EQ(stack.get(stack.slackUrl + "/_fake/messages").body.find(newValue), std::string::npos);
}

TEST(DecisionE2e, TheSameSlashCommandDeliveredTwiceRotatesOnce) {
  E2eStack stack(stackWith());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  nlohmann::json trigger = {{"trigger_id", "13345224609.738474920.8088930838d88f008e0"}};
  auto first = stack.slash("rotate 101 --yes", kOperator, trigger);
  auto second = stack.slash("rotate 101 --yes", kOperator, trigger);
  ASSERT_EQ(first.value("status", 0), 200);
  ASSERT_EQ(second.value("status", 0), 200);
  ASSERT_FALSE(stack.waitForText(first["response_url"], "Rotated").empty());
  auto s = state(stack);
  int named = 0;
  for (const auto& t : s["tokens"]) named += t["name"] == kTokenName;
  EXPECT_EQ(named, 2) << "old + exactly one replacement";
  EXPECT_EQ(activeNamed(s).size(), 1u);
  // The dispatcher recognises the repeat by its trigger_id and says so in the acknowledgement;
  // nothing of it runs, so its response_url stays unused.
  EXPECT_NE(second.value("body", std::string()).find("already handled"), std::string::npos) << second.dump();
  EXPECT_EQ(stack.textFor(second["response_url"], 0), "");
}

TEST(DecisionE2e, StaleUnknownAndForeignButtonsChangeNothing) {
  E2eStack stack(stackWith());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto before = state(stack);
  struct Case {
    const char* action;
    const char* value;
    const char* answer;
  } cases[] = {
      {"pat_confirm", "no-such-confirmation", "unknown; run the command again"},
      {"pat_decide_retry", "999", "no rotation #999"},
      {"pat_decide_retry", "1; DROP TABLE rotations", "does not know this button"},
      {"pat_decide_self_destruct", "1", "does not know this button"},
      {"some_other_app_button", "x", "not handled by this version"},
      {"pat_digest_rotate", "101", "Only operators"},
  };
  for (const auto& c : cases) {
    auto user = std::string(c.action) == "pat_digest_rotate" ? "U0BOB00001" : kOperator;
    auto report = click(stack, c.action, c.value, user);
    ASSERT_EQ(report.value("status", 0), 200) << c.action;
    EXPECT_FALSE(stack.waitForText(report["response_url"], c.answer, std::chrono::seconds(20)).empty())
        << c.action << " " << c.value << ": " << stack.textFor(report["response_url"]);
  }
  auto after = state(stack);
  EXPECT_EQ(after["tokens"], before["tokens"]);
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "100"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(audit.find("interaction.some_other_app_button"), std::string::npos);
}

TEST(DecisionE2e, ADigestRotateButtonShowsThePlanWithConfirm) {
  E2eStack stack(stackWith());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto report = click(stack, "pat_digest_rotate", "101");
  auto plan = stack.waitForText(report["response_url"], "pat_confirm");
  ASSERT_FALSE(plan.empty()) << stack.textFor(report["response_url"]);
  EXPECT_NE(plan.find("GITLAB_API_TOKEN"), std::string::npos);
  EXPECT_FALSE(tokenById(state(stack), 101)["revoked"].get<bool>());
}

TEST(DecisionE2e, AGraceRevokeSurvivesRestartsAndRunsWhenDue) {
  E2eStack stack(stackWith("\n[rotation]\nrevoke_grace_hours = 48\n"));
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto sent = stack.slash("rotate 101 --yes");
  ASSERT_FALSE(stack.waitForText(sent["response_url"], "revoke scheduled").empty())
      << stack.textFor(sent["response_url"]);
  EXPECT_FALSE(tokenById(state(stack), 101)["revoked"].get<bool>());

  // A normal restart: the schedule is kept and nothing is revoked early.
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  ASSERT_TRUE(stack.bot()->waitFor("GitLab reachable", std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_FALSE(tokenById(state(stack), 101)["revoked"].get<bool>());

  // patbot is down while the grace period ends (simulated by moving revoke_after into the past).
  stack.bot()->kill9();
  {
    SQLite::Database db(stack.dbPath, SQLite::OPEN_READWRITE);
    db.exec("UPDATE rotations SET revoke_after = '2000-01-01T00:00:00.000Z' WHERE state = 'revoke_scheduled'");
  }
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  ASSERT_TRUE(stack.bot()->waitFor("revoke scheduler:", std::chrono::seconds(20))) << stack.bot()->output();
  EXPECT_TRUE(tokenById(state(stack), 101)["revoked"].get<bool>());
  EXPECT_EQ(activeNamed(state(stack)).size(), 1u);
  std::string messages;
  for (int i = 0; i < 100 && messages.find("grace period") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    messages = stack.get(stack.slackUrl + "/_fake/messages").body;
  }
  EXPECT_NE(messages.find("grace period"), std::string::npos);
}

}  // namespace
}  // namespace patbot::e2e
