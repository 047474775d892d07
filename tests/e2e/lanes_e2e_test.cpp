// Issue 12, hole 7, against the real binary: rotations waiting on their verify pipelines hold
// workers of their own lane, never the ones that answer `/pat status`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Four tokens, each delivered to a CI/CD variable of its own in sec/inventory-builder and
// verified by that project's pipeline.
Policy fourTokensVerifiedByOnePipeline() {
  Policy policy;
  policy.tokens = {tokenInProject("inventory-bot", kInventoryTokenName, kInventoryProject, kInventoryProjectKey),
                   tokenInProject("deploy-bot", "deploy-ci", kInventoryProject, "DEPLOY_CI_TOKEN"),
                   tokenInProject("backup-bot", "backup-restore", kInventoryProject, "BACKUP_TOKEN"),
                   tokenInProject("renovate-bot", "renovate", kInventoryProject, "RENOVATE_TOKEN")};
  for (auto& t : policy.tokens) t.verifyPipelineProject = kInventoryProject;
  return policy;
}

// demoSeed token ids of the four tokens above, in order.
constexpr int kTokenIds[] = {101, 105, 107, 108};

TEST(LanesE2e, StatusAnswersWhileFourRotationsWaitOnTheirPipelines) {
  StackOptions o = demoStackOptions(fourTokensVerifiedByOnePipeline(), "");
  o.startBot = false;
  E2eStack stack(o);
  ASSERT_TRUE(stackStarted(stack));
  // The variables the three other tokens are delivered to.
  auto state = fakeGitLabState(stack);
  for (auto& p : state["projects"]) {
    if (p["id"] != 5) continue;
    nlohmann::json model = p["variables"][0];
    for (const char* key : {"DEPLOY_CI_TOKEN", "BACKUP_TOKEN", "RENOVATE_TOKEN"}) {
      model["key"] = key;
      p["variables"].push_back(model);
    }
  }
  ASSERT_EQ(resetGitLab(stack, state), 200);
  ASSERT_TRUE(stack.startBot()) << stack.startupLog();
  ASSERT_TRUE(gitLabReachable(stack));

  // Every poll of a verify pipeline hangs: the four rotations wait as they would on slow CI. (The
  // fake matches the decoded path; patbot names the project by its path.)
  ASSERT_EQ(setGitLabFaults(stack, {{"hang", true},
                                    {"hang_method", "GET"},
                                    {"hang_path_prefix", "/api/v4/projects/sec/inventory-builder/pipelines"}}),
            200);
  std::vector<std::string> rotationUrls;
  for (int id : kTokenIds) {
    auto sent = stack.slash("rotate " + std::to_string(id) + " --yes");
    ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
    rotationUrls.push_back(sent["response_url"]);
  }
  waitUntil([&] { return heldGitLabCalls(stack) >= 4; }, 30s, 50ms);
  ASSERT_EQ(heldGitLabCalls(stack), 4) << "the four rotations did not all reach their pipeline\n"
                                       << stack.bot()->output();

  auto started = SteadyClock::now();
  auto sent = stack.slash("status");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  EXPECT_LT(sent.value("elapsed_ms", 99999), 3000) << "the ack";
  auto messages = stack.messagesFor(sent["response_url"], 1, 10s);
  double took = std::chrono::duration<double>(SteadyClock::now() - started).count();
  ASSERT_EQ(messages.size(), 1u) << "/pat status got no answer within 10 s while four rotations waited";
  EXPECT_EQ(messages[0].dump().find("Could not list tokens"), std::string::npos) << messages[0].dump();
  EXPECT_LT(took, 5.0);
  EXPECT_EQ(heldGitLabCalls(stack), 4) << "the rotations stopped waiting before /pat status answered";
  std::printf("[ lanes ] /pat status answered in %.2f s while 4 rotations waited on their pipelines\n", took);

  // Released, the four rotations finish.
  ASSERT_EQ(setGitLabFaults(stack, nlohmann::json::object()), 200);
  for (const auto& url : rotationUrls) EXPECT_TRUE(rotationSucceeded(stack, url, 60s));
}

}  // namespace
}  // namespace patbot::e2e
