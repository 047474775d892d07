// The watcher inside the real `patbot serve`, and the tracking-project check of serve and
// check-config, against the fake GitLab and fake Slack executables.
#include <gtest/gtest.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/slack_messages.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kChannel = "C0PATBOT01";   // a channel the fake Slack knows

// The watcher opens its tracking issues in `trackingProject`. Only with `tokens` configured is
// there an operator to rotate them.
StackOptions watchedStack(const std::string& trackingProject, std::vector<PolicyToken> tokens = {}) {
  Policy policy;
  policy.trackingProject = trackingProject;
  policy.tokens = std::move(tokens);
  if (policy.tokens.empty()) policy.operators.clear();
  return demoStackOptions(policy, kChannel);
}

TEST(WatcherE2e, ServeWarnsInTheChannelAndOpensTrackingIssues) {
  E2eStack stack(watchedStack("sec/team"));
  ASSERT_TRUE(stackStarted(stack));
  std::vector<nlohmann::json> posted;
  waitUntil([&] { return !(posted = channelMessages(stack, kChannel)).empty(); }, 30s);
  ASSERT_EQ(posted.size(), 1u) << stack.bot()->output();
  const std::string digest = posted[0].dump();
  EXPECT_NE(digest.find("3 service account tokens need attention"), std::string::npos) << digest;
  EXPECT_NE(digest.find("pat_digest_rotate"), std::string::npos);
  EXPECT_NE(digest.find("/sec/team/-/issues/"), std::string::npos) << digest;

  auto state = fakeGitLabState(stack);
  int tracking = 0;
  for (const auto& p : state["projects"]) {
    for (const auto& is : p["issues"]) {
      tracking += is["title"].get<std::string>().rfind("Service account token expiring:", 0) == 0;
    }
  }
  EXPECT_EQ(tracking, 3);
  auto metrics = stack.get(stack.botUrl + "/metrics").body;
  EXPECT_NE(metrics.find("patbot_token_days_remaining{kind=\"personal\",account=\"deploy-bot\",token_name=\"registry\","
                         "token_id=\"103\"} 12"),
            std::string::npos)
      << metrics;
  EXPECT_TRUE(noSecretIn(stack, digest));
  EXPECT_TRUE(noSecretIn(stack, metrics));
}

TEST(WatcherE2e, AMissingTrackingProjectIsNamedByServeAndCheckConfig) {
  E2eStack stack(watchedStack("no/such-project"));
  ASSERT_TRUE(stackStarted(stack));
  EXPECT_TRUE(stack.bot()->waitFor("tracking_project \"no/such-project\"", 20s)) << stack.bot()->output();
  auto [code, out] = stack.patbot({"check-config"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("tracking project:  FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("no/such-project"), std::string::npos) << out;
}

// Issue 12, hole 6: `patbot rotate` built its engine without the watcher's tracking issues, so the
// issue the watcher opened for a token stayed open after a CLI rotation.
TEST(WatcherE2e, ACliRotationClosesTheIssueTheWatcherOpened) {
  E2eStack stack(watchedStack(
      "sec/team", {tokenInProject("inventory-bot", kInventoryTokenName, kInventoryProject, kInventoryProjectKey)}));
  ASSERT_TRUE(stackStarted(stack));
  auto issueOf101 = [&]() -> nlohmann::json {
    auto state = fakeGitLabState(stack);
    for (const auto& p : state["projects"]) {
      if (p["path"] != "sec/team") continue;
      for (const auto& is : p["issues"]) {
        std::string title = is["title"];
        if (title.rfind("Service account token expiring:", 0) == 0 &&
            title.find(kInventoryTokenName) != std::string::npos) {
          return is;
        }
      }
    }
    return nullptr;
  };
  nlohmann::json issue;
  waitUntil([&] { return !(issue = issueOf101()).is_null(); }, 30s);
  ASSERT_FALSE(issue.is_null()) << "the watcher opened no issue for token 101\n" << stack.bot()->output();
  ASSERT_EQ(issue["state"], "opened");

  auto [code, out] = stack.patbot({"rotate", "101", "--yes", "--poll-seconds", "0"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  ASSERT_EQ(code, 0) << out;
  auto after = issueOf101();
  ASSERT_FALSE(after.is_null());
  EXPECT_EQ(after["state"], "closed") << out;
  EXPECT_FALSE(after["notes"].empty()) << "no note on the issue";
}

}  // namespace
}  // namespace patbot::e2e
