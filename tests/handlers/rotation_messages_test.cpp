// How a rotation reads in Slack (handlers/rotation_messages.h): the plan with or without its
// Confirm / Cancel buttons, the progress, the closing message for each end state, the decision
// buttons and the notice about another unfinished rotation. (tests/handlers/hostile_text_test.cpp
// checks that none of them lets outside text become markup.)
#include "handlers/rotation_messages.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace patbot::handlers {
namespace {

using nlohmann::json;
using storage::RotationState;

RotationPlan plan() {
  RotationPlan p;
  p.account = {10, "inventory-bot", "Inventory"};
  p.oldToken.id = 101;
  p.oldToken.name = "inventory";
  p.oldToken.scopes = {"api", "read_repository"};
  p.oldToken.expiresAt = *parseDate("2026-12-03");
  p.newSpec.expiresAt = *parseDate("2027-11-28");
  p.consumers = {{gitlab::VariableOwnerKind::kProject, "sec/inventory-builder", "GITLAB_API_TOKEN", ""},
                 {gitlab::VariableOwnerKind::kGroup, "sec", "INVENTORY_TOKEN", "production"}};
  p.pipeline = PipelineRef{"sec/inventory-builder", "main"};
  p.issue = IssueRef{"sec/team", 262};
  return p;
}

RotationResult result(RotationState state) {
  RotationResult r;
  r.rotationId = 7;
  r.state = state;
  gitlab::AccessToken fresh;
  fresh.id = 300;
  fresh.expiresAt = *parseDate("2027-06-30");
  r.newToken = fresh;
  r.consumersUpdated = {"project variable GITLAB_API_TOKEN in sec/inventory-builder"};
  r.pipelineUrl = "https://gitlab.example.com/sec/inventory-builder/-/pipelines/48";
  r.pipelineStatus = "success";
  r.summary = "Rotated inventory-bot/inventory.";
  return r;
}

// The mrkdwn of the message's first section.
std::string sectionText(const slack::Message& m) {
  for (const auto& b : m.blocks) {
    if (b["type"] == "section") return b["text"]["text"];
  }
  return "";
}

// The message's actions blocks.
std::vector<json> actionBlocks(const slack::Message& m) {
  std::vector<json> out;
  for (const auto& b : m.blocks) {
    if (b["type"] == "actions") out.push_back(b);
  }
  return out;
}

// "action_id=value" of every button of the message's actions blocks, in order.
std::vector<std::string> buttons(const slack::Message& m) {
  std::vector<std::string> out;
  for (const auto& block : actionBlocks(m)) {
    for (const auto& b : block["elements"]) out.push_back(b["action_id"].get<std::string>() + "=" + b.value("value", ""));
  }
  return out;
}

TEST(PlanMessageTest, ListsWhatTheRotationWillTouch) {
  auto m = planMessage(plan(), "conf-1", false);
  EXPECT_EQ(m.text, "Rotation plan for inventory-bot/inventory");
  ASSERT_GE(m.blocks.size(), 2u);
  EXPECT_EQ(m.blocks[0]["type"], "header");
  EXPECT_EQ(m.blocks[0]["text"]["text"], "Rotation plan");
  EXPECT_EQ(sectionText(m),
            "*Token:* `inventory-bot/inventory` (id 101, scopes api,read_repository, expires 2026-12-03)\n"
            "*Replacement expires:* 2027-11-28\n"
            "*Consumers to update:* \n"
            "• project variable `GITLAB_API_TOKEN` in `sec/inventory-builder`\n"
            "• group variable `INVENTORY_TOKEN` in `sec` (scope `production`)\n"
            "*Verify pipeline:* `sec/inventory-builder` on `main`\n"
            "*Tracking issue:* `sec/team#262` (comment and close)\n"
            "*Old token:* revoked after the new one is verified");
}

TEST(PlanMessageTest, WithAConfirmationCarriesConfirmAndCancelForIt) {
  auto m = planMessage(plan(), "conf-1", false);
  EXPECT_EQ(buttons(m), (std::vector<std::string>{"pat_confirm=conf-1", "pat_cancel=conf-1"}));
  auto block = actionBlocks(m).at(0);
  EXPECT_EQ(block["block_id"], "pat_rotation");
  EXPECT_EQ(block["elements"][0]["style"], "danger");
  EXPECT_EQ(m.blocks.back()["type"], "context");
  EXPECT_NE(m.blocks.back().dump().find("expires in 15 minutes"), std::string::npos);
}

TEST(PlanMessageTest, ADryRunSaysNothingChangedAndOffersNoButton) {
  auto m = planMessage(plan(), "conf-1", true);
  EXPECT_EQ(m.blocks[0]["text"]["text"], "Rotation plan (dry run)");
  EXPECT_TRUE(buttons(m).empty()) << "a dry run cannot be confirmed, whatever id it is given";
  EXPECT_NE(m.blocks.back().dump().find("nothing was changed"), std::string::npos);
}

TEST(PlanMessageTest, WithoutAConfirmationItIsOnlyThePlan) {
  auto m = planMessage(plan(), "", false);
  EXPECT_TRUE(buttons(m).empty());
  EXPECT_EQ(m.blocks.size(), 2u);
}

TEST(PlanMessageTest, SaysWhatIsMissingAndWhenTheOldTokenGoes) {
  RotationPlan p = plan();
  p.consumers.clear();
  p.pipeline.reset();
  p.issue.reset();
  p.oldToken.expiresAt.reset();
  p.immediate = true;
  const std::string text = sectionText(planMessage(p, "", false));
  EXPECT_NE(text.find("expires never)"), std::string::npos) << text;
  EXPECT_NE(text.find("*Consumers to update:* none configured: the new value is shown once, to you only (--reveal)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("*Verify pipeline:* none\n*Tracking issue:* none"), std::string::npos) << text;
  EXPECT_NE(text.find("*Old token:* revoked at once (--immediate)"), std::string::npos) << text;
}

TEST(ResultMessageTest, ACompletedRotationNamesBothIdsTheExpiryAndThePipeline) {
  auto m = resultMessage(plan(), result(RotationState::kCompleted), "U0ALICE001");
  EXPECT_EQ(m.text, ":white_check_mark: Rotated inventory-bot/inventory");
  EXPECT_FALSE(m.ephemeral) << "the result is for the channel";
  EXPECT_EQ(sectionText(m),
            ":white_check_mark: Rotated `inventory-bot/inventory` (asked by <@U0ALICE001>)\n"
            "*Old id* 101 → *new id* 300, new expiry 2027-06-30\n"
            "*Consumers updated:* project variable GITLAB_API_TOKEN in sec/inventory-builder\n"
            "*Verify pipeline:* <https://gitlab.example.com/sec/inventory-builder/-/pipelines/48|success>");
  EXPECT_TRUE(buttons(m).empty());
}

// Every end but a completed one says why, in the summary's words.
TEST(ResultMessageTest, EachEndStateHasItsHeadAndOnlyCompletedOmitsTheSummary) {
  const std::pair<RotationState, std::string> heads[] = {
      {RotationState::kCompleted, ":white_check_mark: Rotated"},
      {RotationState::kRevokeScheduled, ":hourglass: Rotated, old token revoke scheduled"},
      {RotationState::kRolledBack, ":leftwards_arrow_with_hook: Rotation rolled back"},
      {RotationState::kAwaitingDecision, ":warning: Rotation needs a decision"},
      {RotationState::kFailed, ":x: Rotation failed"},
      {RotationState::kDelivering, ":x: Rotation failed"}};
  for (const auto& [state, head] : heads) {
    SCOPED_TRACE(storage::rotationStateName(state));
    auto m = resultMessage(plan(), result(state), "watcher");
    EXPECT_EQ(m.text, head + " inventory-bot/inventory");
    const std::string text = sectionText(m);
    EXPECT_EQ(text.rfind(head + " `inventory-bot/inventory` (asked by `watcher`)", 0), 0u) << text;
    EXPECT_EQ(text.find("Rotated inventory-bot/inventory.") != std::string::npos, state != RotationState::kCompleted)
        << text;
  }
}

TEST(ResultMessageTest, WithoutANewTokenOrPipelineThoseLinesAreLeftOut) {
  RotationResult r = result(RotationState::kFailed);
  r.newToken.reset();
  r.consumersUpdated.clear();
  r.pipelineUrl.clear();
  r.summary = "GitLab refused the new token.";
  EXPECT_EQ(sectionText(resultMessage(plan(), r, "cli:alice")),
            ":x: Rotation failed `inventory-bot/inventory` (asked by `cli:alice`)\nGitLab refused the new token.");
}

TEST(ResultMessageTest, ANewTokenWithoutAnExpiryFromGitLabShowsThePlannedOne) {
  RotationResult r = result(RotationState::kCompleted);
  r.newToken->expiresAt.reset();
  EXPECT_NE(sectionText(resultMessage(plan(), r, "watcher")).find("new expiry 2027-11-28"), std::string::npos);
}

TEST(ResultMessageTest, AStopForADecisionCarriesItsButtons) {
  RotationResult r = result(RotationState::kAwaitingDecision);
  r.decisions = {Decision::kRetry, Decision::kRollBack};
  auto m = resultMessage(plan(), r, "U0ALICE001");
  EXPECT_EQ(buttons(m), (std::vector<std::string>{"pat_decide_retry=7", "pat_decide_roll_back=7"}));
  r.decisions.clear();
  EXPECT_TRUE(buttons(resultMessage(plan(), r, "U0ALICE001")).empty()) << "no safe decision, no button";
  r = result(RotationState::kFailed);
  r.decisions = {Decision::kRetry};
  EXPECT_TRUE(buttons(resultMessage(plan(), r, "U0ALICE001")).empty()) << "only a rotation that waits offers them";
}

// Who asked: a Slack user id is mentioned; anything else (the watcher, a CLI login, an id-like
// text that is not all upper case) is shown as code.
TEST(ResultMessageTest, OnlyASlackUserIdBecomesAMention) {
  const std::pair<std::string, std::string> actors[] = {{"U0ALICE001", "<@U0ALICE001>"},
                                                       {"W0ENTERPRISE", "<@W0ENTERPRISE>"},
                                                       {"watcher", "`watcher`"},
                                                       {"cli:alice", "`cli:alice`"},
                                                       {"U", "`U`"},
                                                       {"U0alice", "`U0alice`"},
                                                       {"X0ALICE001", "`X0ALICE001`"}};
  for (const auto& [actor, shown] : actors) {
    EXPECT_NE(sectionText(resultMessage(plan(), result(RotationState::kCompleted), actor))
                  .find("(asked by " + shown + ")"),
              std::string::npos)
        << actor;
  }
}

TEST(DecisionButtonsTest, NoDecisionsNoBlock) { EXPECT_FALSE(decisionButtons(7, {})); }

TEST(DecisionButtonsTest, EachDecisionIsAButtonNamingTheRotation) {
  auto block = decisionButtons(42, {Decision::kRetry, Decision::kRollBack, Decision::kRevokeOld, Decision::kAbandon});
  ASSERT_TRUE(block);
  EXPECT_EQ((*block)["type"], "actions");
  EXPECT_EQ((*block)["block_id"], "pat_decide_42");
  const auto& e = (*block)["elements"];
  ASSERT_EQ(e.size(), 4u);
  const std::pair<std::string, std::string> expected[] = {{"pat_decide_retry", "Retry"},
                                                         {"pat_decide_roll_back", "Roll back"},
                                                         {"pat_decide_revoke_old", "Revoke old anyway"},
                                                         {"pat_decide_abandon", "Close, keep both"}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(e[i]["action_id"], expected[i].first);
    EXPECT_EQ(e[i]["text"]["text"], expected[i].second);
    EXPECT_EQ(e[i]["value"], "42");
  }
  EXPECT_EQ(e[0]["style"], "primary");
  EXPECT_FALSE(e[1].contains("style"));
}

// The two decisions that cannot be undone from Slack ask first.
TEST(DecisionButtonsTest, RevokeOldAndAbandonAskForConfirmationTheOthersDoNot) {
  auto block = decisionButtons(42, {Decision::kRetry, Decision::kRollBack, Decision::kRevokeOld, Decision::kAbandon});
  ASSERT_TRUE(block);
  const auto& e = (*block)["elements"];
  EXPECT_FALSE(e[0].contains("confirm"));
  EXPECT_FALSE(e[1].contains("confirm"));
  EXPECT_EQ(e[2]["style"], "danger");
  EXPECT_EQ(e[2]["confirm"]["title"]["text"], "Revoke the old token?");
  EXPECT_EQ(e[2]["confirm"]["confirm"]["text"], "Revoke old");
  EXPECT_EQ(e[2]["confirm"]["style"], "danger");
  EXPECT_EQ(e[3]["confirm"]["title"]["text"], "Close this rotation?");
  EXPECT_EQ(e[3]["confirm"]["deny"]["text"], "Go back");
  EXPECT_EQ(e[3]["confirm"]["style"], "primary");
}

TEST(PendingRotationMessageTest, ARunningRotationSaysWhoStartedItAndToWait) {
  PendingRotation pending{12, RotationState::kVerifying, "U0BOB00002", "2026-11-28T10:00:00.000Z", "", {}};
  auto m = pendingRotationMessage("inventory-bot/inventory", pending);
  EXPECT_EQ(m.text,
            ":hourglass_flowing_sand: A rotation of `inventory-bot/inventory` started by <@U0BOB00002> at "
            "2026-11-28T10:00:00.000Z is still running (#12, verifying). Wait for it to finish.");
  EXPECT_TRUE(buttons(m).empty());
}

TEST(PendingRotationMessageTest, ARotationWaitingForADecisionSaysWhereItStoppedWithItsButtons) {
  PendingRotation pending{12, RotationState::kAwaitingDecision, "watcher", "2026-11-28T10:00:00.000Z",
                          "pipeline: failed", {Decision::kRetry, Decision::kAbandon}};
  auto m = pendingRotationMessage("inventory-bot/inventory", pending);
  EXPECT_EQ(m.text, "Rotation #12 of inventory-bot/inventory waits for a decision");
  EXPECT_EQ(sectionText(m),
            ":warning: Rotation #12 of `inventory-bot/inventory` (started by `watcher` at 2026-11-28T10:00:00.000Z) "
            "stopped at pipeline: failed and waits for a decision.");
  EXPECT_EQ(buttons(m), (std::vector<std::string>{"pat_decide_retry=12", "pat_decide_abandon=12"}));
}

RotationProgress progress() {
  return {"Rotating inventory-bot/inventory",
          {{"create the new token", StepState::kDone, "id 300"},
           {"update 2 consumers", StepState::kRunning, ""},
           {"run the verify pipeline", StepState::kPending, ""},
           {"comment on the issue", StepState::kSkipped, "no issue"},
           {"revoke the old token", StepState::kFailed, "403 Forbidden"}}};
}

TEST(ProgressTest, TerminalLinesMarkEachStepAndItsNote) {
  EXPECT_EQ(progressLines(progress()),
            "Rotating inventory-bot/inventory\n"
            "  ✓ create the new token — id 300\n"
            "  ➜ update 2 consumers\n"
            "  … run the verify pipeline\n"
            "  – comment on the issue — no issue\n"
            "  ✗ revoke the old token — 403 Forbidden\n");
}

TEST(ProgressTest, TheSlackMessageIsTheSameStepsUnderABoldTitleForTheChannel) {
  auto m = progressMessage(progress());
  EXPECT_EQ(m.text, "Rotating inventory-bot/inventory");
  EXPECT_FALSE(m.ephemeral);
  EXPECT_EQ(sectionText(m),
            "*Rotating inventory-bot/inventory*\n"
            "✓ create the new token — id 300\n"
            "➜ update 2 consumers\n"
            "… run the verify pipeline\n"
            "– comment on the issue — no issue\n"
            "✗ revoke the old token — 403 Forbidden\n");
}

}  // namespace
}  // namespace patbot::handlers
