// The watcher inside the real `patbot serve`, and the tracking-project check of serve and
// check-config, against the fake GitLab and fake Slack executables.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {
namespace {

constexpr const char* kChannel = "C0PATBOT01";   // a channel the fake Slack knows

StackOptions watchedStack(const std::string& trackingProject) {
  StackOptions o;
  o.demoSeed = true;
  o.policyToml = "[watch]\ntracking_project = \"" + trackingProject + "\"\n";
  o.extraEnv = {{"PATBOT_NOTIFY_CHANNEL", kChannel}};
  return o;
}

// Messages posted with chat.postMessage to `channel` so far.
std::vector<nlohmann::json> channelMessages(E2eStack& stack, const std::string& channel) {
  std::vector<nlohmann::json> out;
  auto all = nlohmann::json::parse(stack.get(stack.slackUrl + "/_fake/messages").body, nullptr, false);
  if (!all.is_array()) return out;
  for (const auto& m : all) {
    if (m.value("channel", "") == channel) out.push_back(m);
  }
  return out;
}

TEST(WatcherE2e, ServeWarnsInTheChannelAndOpensTrackingIssues) {
  E2eStack stack(watchedStack("sec/team"));
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  std::vector<nlohmann::json> posted;
  for (int i = 0; i < 300 && posted.empty(); ++i) {
    posted = channelMessages(stack, kChannel);
    if (posted.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(posted.size(), 1u) << stack.bot()->output();
  const std::string digest = posted[0].dump();
  EXPECT_NE(digest.find("3 service account tokens need attention"), std::string::npos) << digest;
  EXPECT_NE(digest.find("pat_digest_rotate"), std::string::npos);
  EXPECT_NE(digest.find("/sec/team/-/issues/"), std::string::npos) << digest;

  auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  int tracking = 0;
  for (const auto& p : state["projects"]) {
    for (const auto& is : p["issues"]) {
      tracking += is["title"].get<std::string>().rfind("Service account token expiring:", 0) == 0;
    }
  }
  EXPECT_EQ(tracking, 3);
  auto metrics = stack.get(stack.botUrl + "/metrics").body;
  EXPECT_NE(metrics.find("patbot_token_days_remaining{account=\"deploy-bot\",token_name=\"registry\",token_id=\"103\"} 12"),
            std::string::npos)
      << metrics;
  for (const auto& secret : stack.secrets()) {
    EXPECT_EQ(digest.find(secret), std::string::npos);
    EXPECT_EQ(metrics.find(secret), std::string::npos);
  }
}

TEST(WatcherE2e, AMissingTrackingProjectIsNamedByServeAndCheckConfig) {
  E2eStack stack(watchedStack("no/such-project"));
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  EXPECT_TRUE(stack.bot()->waitFor("tracking_project \"no/such-project\"", std::chrono::seconds(20)))
      << stack.bot()->output();
  auto [code, out] = stack.patbot({"check-config"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("tracking project:  FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("no/such-project"), std::string::npos) << out;
}

}  // namespace
}  // namespace patbot::e2e

namespace patbot::e2e {
namespace {

// Issue 12, hole 6: `patbot rotate` built its engine without the watcher's tracking issues, so the
// issue the watcher opened for a token stayed open after a CLI rotation.
TEST(WatcherE2e, ACliRotationClosesTheIssueTheWatcherOpened) {
  StackOptions o = watchedStack("sec/team");
  o.policyToml += R"(
[access]
operators = ["U0ALICE001"]

[[token]]
account = "inventory-bot"
name    = "GitLab Security Service - Architecture - Inventory"
ci_variables = [{ project = "sec/inventory-builder", key = "GITLAB_API_TOKEN" }]
)";
  E2eStack stack(o);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto issueOf101 = [&]() -> nlohmann::json {
    auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
    for (const auto& p : state["projects"]) {
      if (p["path"] != "sec/team") continue;
      for (const auto& is : p["issues"]) {
        std::string title = is["title"];
        if (title.rfind("Service account token expiring:", 0) == 0 &&
            title.find("GitLab Security Service - Architecture - Inventory") != std::string::npos) {
          return is;
        }
      }
    }
    return nullptr;
  };
  nlohmann::json issue;
  for (int i = 0; i < 300 && issue.is_null(); ++i) {
    issue = issueOf101();
    if (issue.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
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
