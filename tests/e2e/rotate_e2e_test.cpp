// End-to-end rotation: `/pat rotate` from the fake Slack, Confirm clicked, the real patbot binary
// rotating against the fake GitLab, and the fake's state checked afterwards.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {
namespace {

constexpr const char* kTokenName = "GitLab Security Service - Architecture - Inventory";

const char* kPolicy = R"(
[access]
operators = ["U0ALICE001"]

[[token]]
account = "inventory-bot"
name    = "GitLab Security Service - Architecture - Inventory"
ci_variables    = [{ project = "sec/inventory-builder", key = "GITLAB_API_TOKEN" }]
group_variables = [{ group = "sec", key = "INVENTORY_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }
tracking_issue  = { project = "sec/team", iid = 262 }
)";

StackOptions rotationStack() {
  StackOptions o;
  o.demoSeed = true;
  o.policyToml = kPolicy;
  return o;
}

nlohmann::json findToken(const nlohmann::json& state, int64_t id) {
  for (const auto& t : state["tokens"]) {
    if (t["id"] == id) return t;
  }
  return nullptr;
}

std::string confirmationIdIn(const std::vector<nlohmann::json>& messages) {
  for (const auto& m : messages) {
    for (const auto& b : m["message"].value("blocks", nlohmann::json::array())) {
      if (b["type"] != "actions") continue;
      for (const auto& e : b["elements"]) {
        if (e["action_id"] == "pat_confirm") return e["value"];
      }
    }
  }
  return "";
}

TEST(RotateE2e, ConfirmedRotationCreatesDeliversVerifiesRevokesAndClosesTheIssue) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto sent = stack.slash(std::string("rotate inventory-bot/\"") + kTokenName + "\"");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  auto plan = stack.messagesFor(sent["response_url"], 1);
  ASSERT_FALSE(plan.empty());
  std::string confirmation = confirmationIdIn(plan);
  ASSERT_FALSE(confirmation.empty()) << plan[0].dump();
  EXPECT_NE(plan[0].dump().find("GITLAB_API_TOKEN"), std::string::npos);

  // A reader pressing Confirm changes nothing.
  auto byBob = stack.post(stack.slackUrl + "/_fake/click",
                          nlohmann::json{{"user_id", "U0BOB00001"}, {"channel_id", "C0PATBOT01"},
                                         {"action_id", "pat_confirm"}, {"value", confirmation}}.dump());
  auto bobReport = nlohmann::json::parse(byBob.body);
  ASSERT_EQ(bobReport.value("status", 0), 200) << byBob.body;
  EXPECT_NE(stack.textFor(bobReport["response_url"]).find("Only operators"), std::string::npos);

  auto click = stack.post(stack.slackUrl + "/_fake/click",
                          nlohmann::json{{"user_id", "U0ALICE001"}, {"channel_id", "C0PATBOT01"},
                                         {"action_id", "pat_confirm"}, {"value", confirmation}}.dump());
  auto report = nlohmann::json::parse(click.body);
  ASSERT_EQ(report.value("status", 0), 200) << click.body;
  auto result = stack.messagesFor(report["response_url"], 1, std::chrono::seconds(60));
  ASSERT_FALSE(result.empty());
  std::string text = result[0].dump();
  EXPECT_NE(text.find("Rotated"), std::string::npos) << text;

  auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  auto old = findToken(state, 101);
  ASSERT_FALSE(old.is_null());
  EXPECT_TRUE(old["revoked"].get<bool>());
  nlohmann::json fresh;
  for (const auto& t : state["tokens"]) {
    if (t["name"] == kTokenName && !t["revoked"].get<bool>()) fresh = t;
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
  auto again = stack.post(stack.slackUrl + "/_fake/click",
                          nlohmann::json{{"user_id", "U0ALICE001"}, {"channel_id", "C0PATBOT01"},
                                         {"action_id", "pat_confirm"}, {"value", confirmation}}.dump());
  auto againReport = nlohmann::json::parse(again.body);
  EXPECT_NE(stack.textFor(againReport["response_url"]).find("already"), std::string::npos);
  auto after = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  int active = 0;
  for (const auto& t : after["tokens"]) active += t["name"] == kTokenName && !t["revoked"].get<bool>();
  EXPECT_EQ(active, 1);

  // The canary: the new value is nowhere but in GitLab's variables.
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
  ASSERT_EQ(code, 0);
  for (const auto& place : {stack.bot()->output(), audit, stack.get(stack.slackUrl + "/_fake/messages").body,
                            stack.get(stack.botUrl + "/metrics").body}) {
    EXPECT_EQ(place.find(newValue), std::string::npos) << "the new token value leaked";
  }
  auto [vcode, verify] = stack.patbot({"audit", "verify"});
  EXPECT_EQ(vcode, 0) << verify;
  for (const auto& file : {stack.dbPath, stack.dbPath + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(newValue), std::string::npos) << "the new token value is in " << file;
  }
}

TEST(RotateE2e, DryRunChangesNothingAndNonOperatorsAreRefused) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto before = stack.get(stack.gitlabUrl + "/_fake/state").body;
  auto denied = stack.slash("rotate 101 --yes", "U0BOB00001");
  EXPECT_NE(denied.value("body", "").find("operator"), std::string::npos);
  auto dry = stack.slash("rotate 101 --dry-run");
  auto plan = stack.textFor(dry["response_url"]);
  EXPECT_NE(plan.find("dry run"), std::string::npos) << plan;
  auto calls = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/calls").body);
  for (const auto& c : calls) EXPECT_EQ(c["method"], "GET") << "dry run wrote: " << c.dump();
  auto noConsumers = stack.slash("rotate deploy-bot/registry --yes");
  EXPECT_NE(stack.textFor(noConsumers["response_url"]).find("--reveal"), std::string::npos);
  auto after = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  auto old = nlohmann::json::parse(before);
  EXPECT_EQ(after["tokens"].size(), old["tokens"].size());
  EXPECT_FALSE(findToken(after, 101)["revoked"].get<bool>());
}

TEST(RotateE2e, CliRotateWithYes) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto [code, out] = stack.patbot({"rotate", "101", "--yes", "--poll-seconds", "0"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("old id 101"), std::string::npos) << out;
  auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  EXPECT_TRUE(findToken(state, 101)["revoked"].get<bool>());
  EXPECT_EQ(out.find("glpat-"), std::string::npos);
}

}  // namespace
}  // namespace patbot::e2e

namespace patbot::e2e {
namespace {

TEST(RotateE2e, ExpiredTokenWithoutConsumersIsReplacedAndRevealedOnce) {
  E2eStack stack(rotationStack());
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto refused = stack.patbot({"rotate", "backup-bot/nightly-backup", "--yes"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_NE(refused.first, 0);
  EXPECT_NE(refused.second.find("[[token]]"), std::string::npos) << refused.second;
  auto [code, out] = stack.patbot({"rotate", "backup-bot/nightly-backup", "--yes", "--reveal", "--poll-seconds", "0"},
                                  {{"PATBOT_LOG_LEVEL", "warn"}});
  ASSERT_EQ(code, 0) << "rotation failed";
  auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  EXPECT_TRUE(findToken(state, 106)["revoked"].get<bool>());
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
