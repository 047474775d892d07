// Project and group access tokens end to end (issue 16): the real `patbot` binary, signed
// `/pat` commands through the fake Slack, and the fake GitLab's state afterwards. The world is
// kinds_world.h: the inventory service-account token, sec/app's project token deploy-token and
// group sec's group token group-ci, each consumed by one CI variable of sec/app.
#include <gtest/gtest.h>

#include <sstream>

#include "core/clock.h"
#include "sim/seeds.h"
#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/kinds_world.h"
#include "tests/e2e/slack_messages.h"

namespace patbot::e2e {
namespace {

using nlohmann::json;

const std::string kAppRef = std::string("project:") + kAppProject + "/" + kAppTokenName;
const std::string kGroupRef = std::string("group:") + kSecGroup + "/" + kGroupTokenName;

Policy kindsPolicy(std::optional<std::string> appStrategy = std::nullopt) {
  Policy policy;
  policy.tokens[0] = tokenInProject("inventory-bot", kInventoryTokenName, kInventoryProject, kInventoryProjectKey);
  PolicyToken app = resourceTokenInProject("project", kAppProject, kAppTokenName, kAppProject, kAppKey);
  app.strategy = std::move(appStrategy);
  policy.tokens.push_back(app);
  policy.tokens.push_back(resourceTokenInProject("group", kSecGroup, kGroupTokenName, kAppProject, kGroupCiKey));
  return policy;
}

// The fakes on kindsSeed (possibly changed by `edit`), then `patbot serve` with `policy` and
// `env` on top of the stack's own environment. Check stackStarted() and started.
struct KindsStack {
  explicit KindsStack(const Policy& policy, const std::function<void(json&)>& edit = {},
                      const std::map<std::string, std::string>& env = {})
      : stack([&] {
          StackOptions o = demoStackOptions(policy, "");
          o.startBot = false;
          return o;
        }()) {
    if (!stack.ready()) return;
    SystemClock clock;
    seed = kindsSeed(utcDay(clock.now()));
    if (edit) edit(seed);
    if (resetGitLab(stack, seed) != 200) return;
    for (const auto& [k, v] : env) stack.setBotEnv(k, v);
    started = stack.startBot();
  }
  E2eStack stack;
  json seed;
  bool started = false;
};

// The token of `kind` ("project"/"group") on resource `resourceId` named `name` that is active.
std::vector<json> activeResourceTokens(const json& state, const std::string& kind, int64_t resourceId,
                                       const std::string& name) {
  std::vector<json> out;
  for (const auto& t : state["tokens"]) {
    if (t.value("resource_type", "") == kind && t.value("resource_id", int64_t{0}) == resourceId &&
        t.value("name", "") == name && !t.value("revoked", false)) {
      out.push_back(t);
    }
  }
  return out;
}

// The value sec/app's variable `key` holds.
std::string appVariable(const json& state, const std::string& key) {
  for (const auto& p : state["projects"]) {
    if (p["path"] != kAppProject) continue;
    for (const auto& v : p["variables"]) {
      if (v["key"] == key) return v.value("value", "");
    }
  }
  return "";
}

bool hasUser(const json& state, int64_t id) {
  for (const auto& u : state["users"]) {
    if (u.value("id", int64_t{0}) == id) return true;
  }
  return false;
}

// GitLab calls that `method` made to a path containing `part`.
int callsTo(const json& calls, const std::string& method, const std::string& part) {
  int n = 0;
  for (const auto& c : calls) n += c.value("method", "") == method && c.value("path", "").find(part) != std::string::npos;
  return n;
}

int writeCalls(const json& calls) {
  int n = 0;
  for (const auto& c : calls) n += c.value("method", "") != "GET";
  return n;
}

// Sends `/pat <text>` and returns every message for it once one of `needles` is in them.
std::string commandAnswer(E2eStack& stack, const std::string& text, const std::vector<std::string>& needles) {
  auto sent = stack.slash(text);
  if (sent.value("status", 0) != 200) return "slash failed: " + sent.dump();
  std::string answer = stack.waitForAnyText(sent["response_url"], needles, std::chrono::seconds(30));
  return answer.empty() ? stack.textFor(sent["response_url"], 0) + sent.value("body", "") : answer;
}

// Whether one line of `text` (a table, or a Slack message's JSON with "\\n" between lines) names
// `owner` and then `token`.
bool rowNames(const std::string& text, const std::string& owner, const std::string& token) {
  std::string lines = text;
  for (size_t pos = lines.find("\\n"); pos != std::string::npos; pos = lines.find("\\n", pos)) lines.replace(pos, 2, "\n");
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    size_t o = line.find(owner);
    if (o != std::string::npos && line.find(token, o + owner.size()) != std::string::npos) return true;
  }
  return false;
}

TEST(TokenKindsE2e, StatusAndScanListEveryKindWithItsResource) {
  KindsStack k(kindsPolicy());
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  std::string status = commandAnswer(k.stack, "status", {kAppTokenName});
  auto [code, scan] = k.stack.patbot({"scan"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_EQ(code, 2) << "2: the demo's nightly-backup is expired\n" << scan;
  for (const auto* text : {&status, &scan}) {
    EXPECT_TRUE(rowNames(*text, "project sec/app", kAppTokenName)) << *text;
    EXPECT_TRUE(rowNames(*text, "group sec", kGroupTokenName)) << *text;
    EXPECT_TRUE(rowNames(*text, "inventory-bot", std::string(kInventoryTokenName).substr(0, 30))) << *text;
    EXPECT_NE(text->find("1 project and 1 group"), std::string::npos) << *text;
  }
  EXPECT_TRUE(noSecretIn(k.stack, status + scan));
}

TEST(TokenKindsE2e, RotateStrategyKeepsTheBotUserAndRotatesOnce) {
  KindsStack k(kindsPolicy());
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  ASSERT_TRUE(gitLabReachable(k.stack));
  int64_t since = lastCallSeq(fakeGitLabCalls(k.stack));
  auto sent = k.stack.slash("rotate " + kAppRef + " --yes");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  ASSERT_TRUE(rotationSucceeded(k.stack, sent["response_url"]));

  auto state = fakeGitLabState(k.stack);
  EXPECT_TRUE(tokenById(state, kAppTokenId).value("revoked", false));
  auto active = activeResourceTokens(state, "project", kAppProjectId, kAppTokenName);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].value("user_id", int64_t{0}), kAppBotUserId) << "rotate keeps the bot user";
  EXPECT_EQ(active[0].value("previous_id", int64_t{0}), kAppTokenId);
  EXPECT_EQ(appVariable(state, kAppKey), active[0].value("value", ""));
  EXPECT_TRUE(hasUser(state, kAppBotUserId));
  auto calls = fakeGitLabCalls(k.stack, since);
  EXPECT_EQ(callsTo(calls, "POST", "/access_tokens/" + std::to_string(kAppTokenId) + "/rotate"), 1);
  EXPECT_EQ(callsTo(calls, "POST", "/rotate"), 1) << "exactly one rotate";
  EXPECT_EQ(callsTo(calls, "DELETE", "/access_tokens"), 0) << "rotate has no revoke step";
  EXPECT_EQ(callsTo(calls, "POST", "/access_tokens"), 1) << "no create besides the rotate";
  // The other kinds are untouched.
  EXPECT_EQ(activeResourceTokens(state, "group", kSecGroupId, kGroupTokenName).size(), 1u);
  EXPECT_FALSE(tokenById(state, 101).value("revoked", true));
  EXPECT_TRUE(noSecretIn(k.stack, allSlackMessages(k.stack) + k.stack.bot()->output()));
  EXPECT_EQ(allSlackMessages(k.stack).find(active[0].value("value", "")), std::string::npos);
  EXPECT_TRUE(auditChainIntact(k.stack));
}

TEST(TokenKindsE2e, ReplaceStrategyFromThePolicyGivesANewBotUser) {
  KindsStack k(kindsPolicy("replace"));
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  ASSERT_TRUE(gitLabReachable(k.stack));
  int64_t since = lastCallSeq(fakeGitLabCalls(k.stack));
  auto sent = k.stack.slash("rotate " + kAppRef + " --yes");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  ASSERT_TRUE(rotationSucceeded(k.stack, sent["response_url"]));

  auto state = fakeGitLabState(k.stack);
  EXPECT_TRUE(tokenById(state, kAppTokenId).value("revoked", false));
  auto active = activeResourceTokens(state, "project", kAppProjectId, kAppTokenName);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_NE(active[0].value("user_id", int64_t{0}), kAppBotUserId) << "replace makes a new bot user";
  EXPECT_EQ(appVariable(state, kAppKey), active[0].value("value", ""));
  EXPECT_FALSE(hasUser(state, kAppBotUserId)) << "GitLab deletes the old bot user with its token";
  auto calls = fakeGitLabCalls(k.stack, since);
  EXPECT_EQ(callsTo(calls, "POST", "/rotate"), 0);
  EXPECT_EQ(callsTo(calls, "DELETE", "/access_tokens/" + std::to_string(kAppTokenId)), 1);
  EXPECT_TRUE(auditChainIntact(k.stack));
}

TEST(TokenKindsE2e, ReplaceStrategyFromTheCommandOnAGroupToken) {
  KindsStack k(kindsPolicy());
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  auto sent = k.stack.slash("rotate " + kGroupRef + " --strategy replace --yes");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  ASSERT_TRUE(rotationSucceeded(k.stack, sent["response_url"]));
  auto state = fakeGitLabState(k.stack);
  EXPECT_TRUE(tokenById(state, kGroupTokenId).value("revoked", false));
  auto active = activeResourceTokens(state, "group", kSecGroupId, kGroupTokenName);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_NE(active[0].value("user_id", int64_t{0}), kGroupBotUserId);
  EXPECT_EQ(appVariable(state, kGroupCiKey), active[0].value("value", ""));
}

// The pre-flight of replace refuses when `tie` (a /_fake route and its body) ties the bot user to
// something a new bot user would not have; the answer names it and GitLab is left as it was.
void expectReplaceRefused(const std::string& route, const json& tie, const std::string& named) {
  KindsStack k(kindsPolicy());
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  ASSERT_TRUE(gitLabReachable(k.stack));
  auto added = k.stack.post(k.stack.gitlabUrl + route, tie.dump());
  ASSERT_LT(added.status, 300) << added.body;
  auto before = fakeGitLabState(k.stack);
  int64_t since = lastCallSeq(fakeGitLabCalls(k.stack));
  std::string answer = commandAnswer(k.stack, "rotate " + kAppRef + " --strategy replace --yes", {"Nothing was changed"});
  EXPECT_NE(answer.find("Nothing was changed"), std::string::npos) << answer;
  EXPECT_NE(answer.find(named), std::string::npos) << "the answer names the tie: " << answer;
  EXPECT_NE(answer.find("strategy rotate"), std::string::npos) << answer;
  auto calls = fakeGitLabCalls(k.stack, since);
  EXPECT_EQ(writeCalls(calls), 0) << calls.dump();
  EXPECT_EQ(fakeGitLabState(k.stack)["tokens"], before["tokens"]);
}

TEST(TokenKindsE2e, ReplaceIsRefusedWhenTheBotUserIsAMemberOfAnotherGroup) {
  // sec/app's bot user is also a Developer of group ops.
  expectReplaceRefused("/_fake/members", {{"user_id", kAppBotUserId}, {"group", kOpsGroup}, {"access_level", 30}},
                       kOpsGroup);
}

TEST(TokenKindsE2e, ReplaceIsRefusedWhenAProtectedBranchNamesTheBotUser) {
  expectReplaceRefused("/_fake/protected_branches",
                       {{"project", kAppProject}, {"name", "release"}, {"kind", "push"}, {"user_id", kAppBotUserId}},
                       "release");
}

TEST(TokenKindsE2e, AnExpiredProjectTokenIsNotRotatedAndTheAnswerSaysReplace) {
  KindsStack k(kindsPolicy(), [](json& seed) {
    SystemClock clock;
    for (auto& t : seed["tokens"]) {
      if (t["id"] == kAppTokenId) t["expires_at"] = formatDate(utcDay(clock.now()) - std::chrono::days(1));
    }
  });
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  ASSERT_TRUE(gitLabReachable(k.stack));
  int64_t since = lastCallSeq(fakeGitLabCalls(k.stack));
  std::string answer = commandAnswer(k.stack, "rotate " + kAppRef + " --yes", {"Nothing was changed"});
  EXPECT_NE(answer.find("expired"), std::string::npos) << answer;
  EXPECT_NE(answer.find("--strategy replace"), std::string::npos) << answer;
  EXPECT_EQ(writeCalls(fakeGitLabCalls(k.stack, since)), 0);
  EXPECT_FALSE(tokenById(fakeGitLabState(k.stack), kAppTokenId).value("revoked", true));
}

// patbot with sec-owner's token (group mode on sec): Owner of everything in sec, a Developer on
// ops/tool.
Policy toolPolicy() {
  Policy policy = kindsPolicy();
  policy.tokens.push_back(resourceTokenInProject("project", kToolProject, kToolTokenName, kAppProject, "TOOL_TOKEN"));
  return policy;
}

std::map<std::string, std::string> groupOwnerEnv(const json& seed) {
  return {{"GITLAB_TOKEN", fakes::groupOwnerTokenOf(seed)}, {"GITLAB_GROUP", kSecGroup}};
}

void makeSecOwnerDeveloperOnTool(json& seed) {
  seed["members"].push_back({{"user_id", 2}, {"source_type", "project"}, {"source_id", kToolProjectId},
                             {"access_level", 30}, {"created_at", "2025-01-01T00:00:00.000Z"}});
}

TEST(TokenKindsE2e, PatbotBelowMaintainerIsRefusedWithItsLevel) {
  SystemClock clock;
  KindsStack k(toolPolicy(), makeSecOwnerDeveloperOnTool, groupOwnerEnv(kindsSeed(utcDay(clock.now()))));
  ASSERT_TRUE(stackStarted(k.stack));
  ASSERT_TRUE(k.started) << k.stack.startupLog();
  ASSERT_TRUE(gitLabReachable(k.stack));
  int64_t since = lastCallSeq(fakeGitLabCalls(k.stack));
  std::string answer = commandAnswer(k.stack, std::string("rotate project:") + kToolProject + "/" + kToolTokenName + " --yes",
                                     {"Nothing was changed", "Maintainer"});
  EXPECT_NE(answer.find("Developer"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Maintainer"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("GITLAB_TOKEN"), std::string::npos) << "the token is fine, its level is not: " << answer;
  EXPECT_EQ(writeCalls(fakeGitLabCalls(k.stack, since)), 0);
  EXPECT_FALSE(tokenById(fakeGitLabState(k.stack), kToolTokenId).value("revoked", true));
}

TEST(TokenKindsE2e, CheckConfigSaysWhatPatbotMayDoOnEachWatchedResource) {
  Policy policy = kindsPolicy();
  policy.watchProjects = {kToolProject};
  KindsStack admin(policy);
  ASSERT_TRUE(stackStarted(admin.stack));
  auto [code, out] = admin.stack.patbot({"check-config"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("project sec/app:"), std::string::npos) << out;
  EXPECT_NE(out.find("group sec:"), std::string::npos) << out;
  EXPECT_NE(out.find("project ops/tool:"), std::string::npos) << out;
  EXPECT_NE(out.find("administrator"), std::string::npos) << out;

  SystemClock clock;
  KindsStack owner(toolPolicy(), makeSecOwnerDeveloperOnTool, groupOwnerEnv(kindsSeed(utcDay(clock.now()))));
  ASSERT_TRUE(stackStarted(owner.stack));
  auto [ocode, oout] = owner.stack.patbot({"check-config"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_NE(ocode, 0) << oout;
  EXPECT_NE(oout.find("project sec/app:   patbot is Owner"), std::string::npos) << oout;
  EXPECT_NE(oout.find("group sec:         patbot is Owner"), std::string::npos) << oout;
  EXPECT_NE(oout.find("project ops/tool:  FAILED — patbot is Developer; managing its access tokens needs Maintainer"),
            std::string::npos)
      << oout;
}

}  // namespace
}  // namespace patbot::e2e
