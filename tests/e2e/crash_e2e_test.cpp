// SPEC §5.3 end to end: `patbot serve` is killed with SIGKILL in the middle of each rotation
// step while the fake GitLab holds one answer, then started again on the same database. After
// recovery no consumer holds a revoked token while a valid one exists, no token was created twice,
// and the rotation is finished, undone, or waiting for a person as the spec says.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/rotation_invariant.h"
#include "tests/e2e/slack_messages.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;

struct CrashPoint {
  const char* name;
  const char* method;
  const char* pathPrefix;
  bool holdAnswer;           // GitLab did the work; patbot dies before it hears so
  const char* finalState;    // the rotation's state after recovery
};

void PrintTo(const CrashPoint& p, std::ostream* os) { *os << p.name; }

class CrashE2e : public ::testing::TestWithParam<CrashPoint> {};

TEST_P(CrashE2e, RecoveryAfterKill9KeepsTheInvariant) {
  const CrashPoint& point = GetParam();
  E2eStack stack(demoStackOptions());
  ASSERT_TRUE(stackStarted(stack));
  // The bot's own start-up check is a GET /personal_access_tokens/self too: let it finish before
  // arming the fault, or a slow machine holds that call instead of the rotation's.
  ASSERT_TRUE(gitLabReachable(stack));

  nlohmann::json faults = {{"hang", true}, {"hang_method", point.method}, {"hang_path_prefix", point.pathPrefix},
                           {"hold_answer", point.holdAnswer}};
  ASSERT_EQ(setGitLabFaults(stack, faults), 200);
  auto sent = stack.slash("rotate 101 --yes");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  ASSERT_TRUE(waitUntil([&] { return heldGitLabCalls(stack) > 0; }, 60s, 50ms))
      << "the rotation never reached " << point.name << "\n" << stack.bot()->output();

  stack.bot()->kill9();
  ASSERT_EQ(setGitLabFaults(stack, nlohmann::json::object()), 200);
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  ASSERT_TRUE(stack.bot()->waitFor("recovery:", 30s)) << stack.bot()->output();

  // Token 101 was the only one of its name: at most one more may exist now.
  auto invariant = checkRotationInvariant(fakeGitLabState(stack), kInventoryTokenName, {101});
  EXPECT_TRUE(invariant.holds()) << invariant.describe();
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "500"});
  ASSERT_EQ(code, 0) << audit;
  std::string recovered;
  std::istringstream lines(audit);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("action", "") == "rotation.recover") recovered = j.value("outcome", "");
  }
  EXPECT_EQ(recovered, point.finalState) << audit;
  EXPECT_TRUE(auditChainIntact(stack));

  // The restart was announced in the notification channel.
  std::string messages = waitForSlackMessageMentioning(stack, "patbot restarted", 15s);
  EXPECT_NE(messages.find("patbot restarted"), std::string::npos) << messages << "\n" << stack.bot()->output();
  EXPECT_TRUE(noSecretIn(stack, stack.bot()->output())) << "in the log";
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, CrashE2e,
    ::testing::Values(
        // The create happened; patbot never learned the new id: recovery finds it and revokes it.
        CrashPoint{"CreateAnswerLost", "POST", "/api/v4/users/10/personal_access_tokens", true, "rolled_back"},
        // The project variable holds the new value, the group one the old: recovery reads the value
        // back from the project variable (by its journaled SHA-256), updates the group one, verifies
        // and revokes the old token (issue 12: it used to stop for a decision here).
        CrashPoint{"FirstVariableUpdated", "PUT", "/api/v4/projects/", true, "completed"},
        // Delivered, the check never answered: the new token is active, so the old one goes.
        CrashPoint{"CheckPending", "GET", "/api/v4/personal_access_tokens/self", false, "completed"},
        // Delivered, the verify pipeline retried, patbot died waiting.
        CrashPoint{"PipelineStarted", "POST", "/api/v4/projects/", true, "completed"},
        // The old token was revoked; patbot died before hearing so.
        CrashPoint{"RevokeAnswerLost", "DELETE", "/api/v4/personal_access_tokens/101", true, "completed"}),
    [](const ::testing::TestParamInfo<CrashPoint>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace patbot::e2e
