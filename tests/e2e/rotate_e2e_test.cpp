// End-to-end rotation: `/pat rotate` from the fake Slack, Confirm clicked, the real patbot binary
// rotating against the fake GitLab, and the fake's state checked afterwards.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/slack_messages.h"

namespace patbot::e2e {
namespace {

// The inventory token, its rotation also closing the tracking issue sec/team#262; no notices.
StackOptions rotationStack() {
  Policy policy;
  policy.tokens[0].trackingIssue = {{"sec/team", 262}};
  return demoStackOptions(policy, "");
}

TEST(RotateE2e, ConfirmedRotationCreatesDeliversVerifiesRevokesAndClosesTheIssue) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stackStarted(stack));
  auto sent = stack.slash(std::string("rotate inventory-bot/\"") + kInventoryTokenName + "\"");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  auto plan = stack.textFor(sent["response_url"]);
  ASSERT_FALSE(plan.empty());
  std::string confirmation = buttonValue(plan, "pat_confirm");
  ASSERT_FALSE(confirmation.empty()) << plan;
  EXPECT_NE(plan.find("GITLAB_API_TOKEN"), std::string::npos);

  // A reader pressing Confirm changes nothing.
  auto bobReport = stack.click("pat_confirm", confirmation, "U0BOB00001");
  ASSERT_EQ(bobReport.value("status", 0), 200) << bobReport.dump();
  EXPECT_NE(stack.textFor(bobReport["response_url"]).find("Only operators"), std::string::npos);

  auto report = stack.click("pat_confirm", confirmation);
  ASSERT_EQ(report.value("status", 0), 200) << report.dump();
  EXPECT_TRUE(rotationSucceeded(stack, report["response_url"]));

  auto state = fakeGitLabState(stack);
  auto old = tokenById(state, 101);
  ASSERT_FALSE(old.is_null());
  EXPECT_TRUE(old["revoked"].get<bool>());
  nlohmann::json fresh;
  for (const auto& t : state["tokens"]) {
    if (t["name"] == kInventoryTokenName && !t["revoked"].get<bool>()) fresh = t;
  }
  ASSERT_FALSE(fresh.is_null());
  EXPECT_EQ(fresh["scopes"], old["scopes"]);
  std::string newValue = fresh["value"];
  bool projectVar = false, groupVar = false, issueClosed = false;
  for (const auto& p : state["projects"]) {
    for (const auto& v : p.value("variables", nlohmann::json::array())) {
      if (v["key"] == "GITLAB_API_TOKEN" && v["value"] == newValue) projectVar = true;
    }
    for (const auto& i : p.value("issues", nlohmann::json::array())) {
      if (i["iid"] == 262 && i["state"] == "closed") issueClosed = true;
    }
  }
  for (const auto& g : state["groups"]) {
    for (const auto& v : g.value("variables", nlohmann::json::array())) {
      if (v["key"] == "INVENTORY_TOKEN" && v["value"] == newValue) groupVar = true;
    }
  }
  EXPECT_TRUE(projectVar);
  EXPECT_TRUE(groupVar);
  EXPECT_TRUE(issueClosed);

  // Pressing Confirm again does nothing.
  auto againReport = stack.click("pat_confirm", confirmation);
  EXPECT_NE(stack.textFor(againReport["response_url"]).find("already"), std::string::npos);
  EXPECT_EQ(activeTokensNamed(fakeGitLabState(stack), kInventoryTokenName).size(), 1u);

  // The canary: the new value is nowhere but in GitLab's variables.
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
  ASSERT_EQ(code, 0);
  for (const auto& place : {stack.bot()->output(), audit, allSlackMessages(stack),
                            stack.get(stack.botUrl + "/metrics").body}) {
    EXPECT_EQ(place.find(newValue), std::string::npos) << "the new token value leaked";
  }
  EXPECT_TRUE(auditChainIntact(stack));
  for (const auto& file : {stack.dbPath, stack.dbPath + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(newValue), std::string::npos) << "the new token value is in " << file;
  }
}

TEST(RotateE2e, DryRunChangesNothingAndNonOperatorsAreRefused) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stackStarted(stack));
  auto before = fakeGitLabState(stack);
  auto denied = stack.slash("rotate 101 --yes", "U0BOB00001");
  EXPECT_NE(denied.value("body", "").find("operator"), std::string::npos);
  auto dry = stack.slash("rotate 101 --dry-run");
  auto plan = stack.textFor(dry["response_url"]);
  EXPECT_NE(plan.find("dry run"), std::string::npos) << plan;
  auto calls = fakeGitLabCalls(stack);
  for (const auto& c : calls) EXPECT_EQ(c["method"], "GET") << "dry run wrote: " << c.dump();
  auto noConsumers = stack.slash("rotate deploy-bot/registry --yes");
  EXPECT_NE(stack.textFor(noConsumers["response_url"]).find("--reveal"), std::string::npos);
  auto after = fakeGitLabState(stack);
  EXPECT_EQ(after["tokens"].size(), before["tokens"].size());
  EXPECT_FALSE(tokenById(after, 101)["revoked"].get<bool>());
}

TEST(RotateE2e, CliRotateWithYes) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stackStarted(stack));
  auto [code, out] = stack.patbot({"rotate", "101", "--yes", "--poll-seconds", "0"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("old id 101"), std::string::npos) << out;
  auto state = fakeGitLabState(stack);
  EXPECT_TRUE(tokenById(state, 101)["revoked"].get<bool>());
  EXPECT_EQ(out.find("glpat-"), std::string::npos);
}

TEST(RotateE2e, ExpiredTokenWithoutConsumersIsReplacedAndRevealedOnce) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stackStarted(stack));
  auto refused = stack.patbot({"rotate", "backup-bot/nightly-backup", "--yes"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_NE(refused.first, 0);
  EXPECT_NE(refused.second.find("[[token]]"), std::string::npos) << refused.second;
  auto [code, out] = stack.patbot({"rotate", "backup-bot/nightly-backup", "--yes", "--reveal", "--poll-seconds", "0"},
                                  {{"PATBOT_LOG_LEVEL", "warn"}});
  ASSERT_EQ(code, 0) << "rotation failed";
  auto state = fakeGitLabState(stack);
  EXPECT_TRUE(tokenById(state, 106)["revoked"].get<bool>());
  std::string newValue;
  for (const auto& t : state["tokens"]) {
    if (t["name"] == "nightly-backup" && !t["revoked"].get<bool>()) newValue = t["value"];
  }
  ASSERT_FALSE(newValue.empty());
  EXPECT_NE(out.find(newValue), std::string::npos) << "--reveal must print the new value once";
  auto [acode, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
  EXPECT_EQ(audit.find(newValue), std::string::npos);
  EXPECT_NE(audit.find("revealed"), std::string::npos);
}

}  // namespace
}  // namespace patbot::e2e
