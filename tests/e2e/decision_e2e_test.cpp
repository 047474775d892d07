// End to end, through the fake Slack and the real `patbot serve`: the decision buttons after a
// failed verification, the same slash command delivered twice, stale and foreign buttons, and a
// grace-period revoke that must survive restarts.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <thread>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/slack_messages.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;

std::vector<nlohmann::json> activeInventoryTokens(const nlohmann::json& state) {
  return activeTokensNamed(state, kInventoryTokenName);
}

TEST(DecisionE2e, FailedVerificationOffersDecisionsAndRetryFinishesOnce) {
  E2eStack stack(demoStackOptions());
  ASSERT_TRUE(stackStarted(stack));
  // The verify pipeline reads BROKEN_TOKEN, which patbot does not update: it fails.
  auto seed = stack.seed();
  breakVerifyPipeline(seed);
  ASSERT_EQ(resetGitLab(stack, seed), 200);

  auto sent = stack.slash("rotate 101 --yes");
  auto stopped = stack.waitForText(sent["response_url"], "needs a decision");
  ASSERT_FALSE(stopped.empty()) << stack.textFor(sent["response_url"]);
  std::string rotation = buttonValue(stopped, "pat_decide_retry");
  ASSERT_FALSE(rotation.empty()) << stopped;
  EXPECT_FALSE(buttonValue(stopped, "pat_decide_roll_back").empty());
  EXPECT_FALSE(buttonValue(stopped, "pat_decide_revoke_old").empty());
  auto s = fakeGitLabState(stack);
  EXPECT_FALSE(tokenById(s, 101)["revoked"].get<bool>()) << "verification failed: the old token must stay";
  auto active = activeInventoryTokens(s);
  ASSERT_EQ(active.size(), 2u);

  // A second /pat rotate of the same token is shown the stopped one, with its buttons.
  auto second = stack.slash("rotate 101 --yes");
  auto pending = stack.waitForText(second["response_url"], "waits for a decision");
  EXPECT_NE(pending.find("pat_decide_retry"), std::string::npos) << pending;

  // A reader cannot decide.
  auto byBob = stack.click("pat_decide_revoke_old", rotation, "U0BOB00001");
  EXPECT_FALSE(stack.waitForText(byBob["response_url"], "Only operators").empty());
  EXPECT_FALSE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());

  // Fix the cause (the pipeline's variable gets the new value), then Retry.
  s = fakeGitLabState(stack);
  std::string newValue;
  for (const auto& t : activeInventoryTokens(s)) {
    if (t["id"] != 101) newValue = t["value"];
  }
  for (auto& p : s["projects"]) {
    for (auto& v : p["variables"]) {
      if (v["key"] == kBrokenVerifyKey) v["value"] = newValue;
    }
  }
  ASSERT_EQ(resetGitLab(stack, s), 200);
  auto retry = stack.click("pat_decide_retry", rotation);
  ASSERT_TRUE(rotationSucceeded(stack, retry["response_url"]));
  s = fakeGitLabState(stack);
  EXPECT_TRUE(tokenById(s, 101)["revoked"].get<bool>());
  EXPECT_EQ(activeInventoryTokens(s).size(), 1u);

  // Pressing Retry again, or Roll back on the finished rotation, changes nothing.
  auto again = stack.click("pat_decide_roll_back", rotation);
  EXPECT_FALSE(stack.waitForText(again["response_url"], "nothing to decide").empty());
  EXPECT_EQ(activeInventoryTokens(fakeGitLabState(stack)).size(), 1u);
  EXPECT_TRUE(auditChainIntact(stack));
  EXPECT_EQ(allSlackMessages(stack).find(newValue), std::string::npos);
}

TEST(DecisionE2e, TheSameSlashCommandDeliveredTwiceRotatesOnce) {
  E2eStack stack(demoStackOptions());
  ASSERT_TRUE(stackStarted(stack));
  nlohmann::json trigger = {{"trigger_id", "13345224609.738474920.8088930838d88f008e0"}};
  auto first = stack.slash("rotate 101 --yes", kOperator, trigger);
  auto second = stack.slash("rotate 101 --yes", kOperator, trigger);
  ASSERT_EQ(first.value("status", 0), 200);
  ASSERT_EQ(second.value("status", 0), 200);
  ASSERT_TRUE(rotationSucceeded(stack, first["response_url"]));
  auto s = fakeGitLabState(stack);
  int named = 0;
  for (const auto& t : s["tokens"]) named += t["name"] == kInventoryTokenName;
  EXPECT_EQ(named, 2) << "old + exactly one replacement";
  EXPECT_EQ(activeInventoryTokens(s).size(), 1u);
  // The dispatcher recognises the repeat by its trigger_id and says so in the acknowledgement;
  // nothing of it runs, so its response_url stays unused.
  EXPECT_NE(second.value("body", std::string()).find("already handled"), std::string::npos) << second.dump();
  EXPECT_EQ(stack.textFor(second["response_url"], 0), "");
}

TEST(DecisionE2e, StaleUnknownAndForeignButtonsChangeNothing) {
  E2eStack stack(demoStackOptions());
  ASSERT_TRUE(stackStarted(stack));
  auto before = fakeGitLabState(stack);
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
    auto report = stack.click(c.action, c.value, user);
    ASSERT_EQ(report.value("status", 0), 200) << c.action;
    EXPECT_FALSE(stack.waitForText(report["response_url"], c.answer, 20s).empty())
        << c.action << " " << c.value << ": " << stack.textFor(report["response_url"]);
  }
  auto after = fakeGitLabState(stack);
  EXPECT_EQ(after["tokens"], before["tokens"]);
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "100"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(audit.find("interaction.some_other_app_button"), std::string::npos);
}

TEST(DecisionE2e, ADigestRotateButtonShowsThePlanWithConfirm) {
  E2eStack stack(demoStackOptions());
  ASSERT_TRUE(stackStarted(stack));
  auto report = stack.click("pat_digest_rotate", "101");
  auto plan = stack.waitForText(report["response_url"], "pat_confirm");
  ASSERT_FALSE(plan.empty()) << stack.textFor(report["response_url"]);
  EXPECT_NE(plan.find("GITLAB_API_TOKEN"), std::string::npos);
  EXPECT_FALSE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());
}

TEST(DecisionE2e, AGraceRevokeSurvivesRestartsAndRunsWhenDue) {
  Policy policy;
  policy.revokeGraceHours = 48;
  E2eStack stack(demoStackOptions(policy));
  ASSERT_TRUE(stackStarted(stack));
  auto sent = stack.slash("rotate 101 --yes");
  ASSERT_FALSE(stack.waitForText(sent["response_url"], "revoke scheduled").empty())
      << stack.textFor(sent["response_url"]);
  EXPECT_FALSE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());

  // A normal restart: the schedule is kept and nothing is revoked early.
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  ASSERT_TRUE(gitLabReachable(stack, 20s));
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());

  // patbot is down while the grace period ends (simulated by moving revoke_after into the past).
  stack.bot()->kill9();
  {
    SQLite::Database db(stack.dbPath, SQLite::OPEN_READWRITE);
    db.exec("UPDATE rotations SET revoke_after = '2000-01-01T00:00:00.000Z' WHERE state = 'revoke_scheduled'");
  }
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  ASSERT_TRUE(stack.bot()->waitFor("revoke scheduler:", 20s)) << stack.bot()->output();
  EXPECT_TRUE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());
  EXPECT_EQ(activeInventoryTokens(fakeGitLabState(stack)).size(), 1u);
  EXPECT_NE(waitForSlackMessageMentioning(stack, "grace period", 10s).find("grace period"), std::string::npos);
}

}  // namespace
}  // namespace patbot::e2e
