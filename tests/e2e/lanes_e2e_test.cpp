// Issue 12, hole 7, against the real binary: rotations waiting on their verify pipelines hold
// workers of their own lane, never the ones that answer `/pat status`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Four tokens, each delivered to a CI/CD variable of its own in sec/inventory-builder and
// verified by that project's pipeline.
const char* kPolicy = R"(
[access]
operators = ["U0ALICE001"]

[[token]]
account = "inventory-bot"
name    = "GitLab Security Service - Architecture - Inventory"
ci_variables    = [{ project = "sec/inventory-builder", key = "GITLAB_API_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }

[[token]]
account = "deploy-bot"
name    = "deploy-ci"
ci_variables    = [{ project = "sec/inventory-builder", key = "DEPLOY_CI_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }

[[token]]
account = "backup-bot"
name    = "backup-restore"
ci_variables    = [{ project = "sec/inventory-builder", key = "BACKUP_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }

[[token]]
account = "renovate-bot"
name    = "renovate"
ci_variables    = [{ project = "sec/inventory-builder", key = "RENOVATE_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }
)";

// demoSeed token ids of the four [[token]] entries above, in order.
constexpr int kTokenIds[] = {101, 105, 107, 108};

int heldRequests(E2eStack& stack) {
  auto r = stack.get(stack.gitlabUrl + "/_fake/faults");
  if (r.status != 200) return -1;
  return nlohmann::json::parse(r.body, nullptr, false).value("held", -1);
}

TEST(LanesE2e, StatusAnswersWhileFourRotationsWaitOnTheirPipelines) {
  StackOptions o;
  o.demoSeed = true;
  o.policyToml = kPolicy;
  o.startBot = false;
  E2eStack stack(o);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  // The variables the three other tokens are delivered to.
  auto state = nlohmann::json::parse(stack.get(stack.gitlabUrl + "/_fake/state").body);
  for (auto& p : state["projects"]) {
    if (p["id"] != 5) continue;
    nlohmann::json model = p["variables"][0];
    for (const char* key : {"DEPLOY_CI_TOKEN", "BACKUP_TOKEN", "RENOVATE_TOKEN"}) {
      model["key"] = key;
      p["variables"].push_back(model);
    }
  }
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/reset", state.dump()).status, 200);
  ASSERT_TRUE(stack.startBot()) << stack.startupLog();
  ASSERT_TRUE(stack.bot()->waitFor("GitLab reachable", 30s)) << stack.bot()->output();

  // Every poll of a verify pipeline hangs: the four rotations wait as they would on slow CI. (The
  // fake matches the decoded path; patbot names the project by its path.)
  auto faults = stack.post(stack.gitlabUrl + "/_fake/faults",
                           nlohmann::json{{"hang", true}, {"hang_method", "GET"},
                                          {"hang_path_prefix", "/api/v4/projects/sec/inventory-builder/pipelines"}}
                               .dump());
  ASSERT_EQ(faults.status, 200) << faults.body;
  std::vector<std::string> rotationUrls;
  for (int id : kTokenIds) {
    auto sent = stack.slash("rotate " + std::to_string(id) + " --yes");
    ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
    rotationUrls.push_back(sent["response_url"]);
  }
  auto deadline = SteadyClock::now() + 30s;
  while (heldRequests(stack) < 4 && SteadyClock::now() < deadline) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(heldRequests(stack), 4) << "the four rotations did not all reach their pipeline\n"
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
  EXPECT_EQ(heldRequests(stack), 4) << "the rotations stopped waiting before /pat status answered";
  std::printf("[ lanes ] /pat status answered in %.2f s while 4 rotations waited on their pipelines\n", took);

  // Released, the four rotations finish.
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/faults", "{}").status, 200);
  for (const auto& url : rotationUrls) {
    auto text = stack.waitForAnyText(url, {"Rotated", "Rotation failed", "rolled back", "needs a decision"}, 60s);
    EXPECT_NE(text.find("Rotated"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace patbot::e2e
