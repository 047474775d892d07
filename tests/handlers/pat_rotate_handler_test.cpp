// `/pat rotate` (handlers/pat_rotate_handler.h) and the TokenOperations it runs on, against the
// simulated GitLab: the arguments, the ack, the plan with its stored confirmation, the dry run,
// the rotation itself once the dispatcher marks the request confirmed, and the answers for a
// token that is unknown, ambiguous, revoked or owned by an unfinished rotation.
#include "handlers/pat_rotate_handler.h"

#include <gtest/gtest.h>

#include "tests/handlers/token_operations_fixture.h"
#include "tests/support/outcome.h"

namespace patbot::handlers::testing {
namespace {

using patbot::testing::outcomeOf;

// --- parseRotateArgs --------------------------------------------------------------------------

TEST(ParseRotateArgsTest, ReadsTheTokenAndEveryFlagInAnyOrder) {
  auto a = parseRotateArgs({"--dry-run", "--expires-in", "30", "deploy-bot/ci key", "--immediate", "--reveal", "--yes"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->token, "deploy-bot/ci key");
  EXPECT_EQ(a->expiresInDays, 30);
  EXPECT_TRUE(a->dryRun);
  EXPECT_TRUE(a->immediate);
  EXPECT_TRUE(a->reveal);
  EXPECT_TRUE(a->yes);

  auto plain = parseRotateArgs({"101"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->token, "101");
  EXPECT_FALSE(plain->expiresInDays);
  EXPECT_FALSE(plain->dryRun || plain->immediate || plain->reveal || plain->yes);
}

TEST(ParseRotateArgsTest, ExpiresInTakesOneTo365Days) {
  EXPECT_EQ(parseRotateArgs({"101", "--expires-in", "1"})->expiresInDays, 1);
  EXPECT_EQ(parseRotateArgs({"101", "--expires-in", "365"})->expiresInDays, 365);
  for (const std::string bad : {"0", "366", "-5", "30d", "", "thirty", "99999999999"}) {
    EXPECT_EQ(outcomeOf(parseRotateArgs({"101", "--expires-in", bad})),
              "invalid_input: --expires-in takes 1 to 365 days, not \"" + bad + "\"");
  }
  EXPECT_EQ(outcomeOf(parseRotateArgs({"101", "--expires-in"})), "invalid_input: --expires-in needs a number of days");
}

TEST(ParseRotateArgsTest, RefusesUnknownOptionsASecondTokenAndNoToken) {
  EXPECT_EQ(outcomeOf(parseRotateArgs({"101", "--force"})), "invalid_input: unknown option \"--force\"");
  EXPECT_EQ(outcomeOf(parseRotateArgs({"101", "102"})),
            "invalid_input: one TOKEN please, got \"101\" and \"102\" (quote a name with spaces)");
  EXPECT_EQ(outcomeOf(parseRotateArgs({})),
            "invalid_input: which token? Give a token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME");
  EXPECT_EQ(outcomeOf(parseRotateArgs({"--yes"})),
            "invalid_input: which token? Give a token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME");
}

// --- PatRotateHandler -------------------------------------------------------------------------

class PatRotateHandlerTest : public TokenOperationsFixture {
 protected:
  CommandRequest rotate(std::vector<std::string> args, bool confirmed = false, std::string trigger = "trig-1") {
    CommandRequest r;
    r.requestId = "req-1";
    r.actor = "U0ALICE001";
    r.channelId = kRequestChannel;
    r.args = std::move(args);
    r.responseUrl = "https://hooks.slack.test/commands/1";
    r.triggerId = std::move(trigger);
    r.confirmed = confirmed;
    return r;
  }

  // prepare() and then the work, as the dispatcher runs them (the follow-up too).
  CommandOutput run(const CommandRequest& request) {
    PatRotateHandler handler(*operations_);
    auto prepared = handler.prepare(request);
    EXPECT_TRUE(prepared) << prepared.error().message;
    if (!prepared || !prepared->work) return {};
    auto out = prepared->work();
    if (out.followUp) out.followUp();
    return out;
  }

  int tokenCreates() { return gitlab_->calls("POST", "/personal_access_tokens"); }
};

TEST_F(PatRotateHandlerTest, PrepareAcksAtOnceAndPutsTheWorkOnTheLongLane) {
  PatRotateHandler handler(*operations_);
  auto prepared = handler.prepare(rotate({"101"}));
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(prepared->ack.text, ":hourglass_flowing_sand: Preparing the rotation plan…");
  EXPECT_EQ(prepared->lane, Lane::kLong);
  EXPECT_EQ(prepared->target, "101");
  EXPECT_TRUE(prepared->work);
  EXPECT_EQ(gitlab_->calls("GET", "/"), 0) << "prepare() must not call GitLab";

  auto dry = handler.prepare(rotate({"101", "--dry-run"}));
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->ack.text, ":mag: Checking the rotation plan (dry run)…");
}

TEST_F(PatRotateHandlerTest, BadArgumentsAreRefusedBeforeAnyWork) {
  PatRotateHandler handler(*operations_);
  EXPECT_EQ(outcomeOf(handler.prepare(rotate({"101", "--expires-in", "0"}))),
            "invalid_input: --expires-in takes 1 to 365 days, not \"0\"");
}

TEST_F(PatRotateHandlerTest, UnconfirmedItShowsThePlanAndStoresWhatConfirmWouldRun) {
  auto out = run(rotate({"101", "--expires-in", "30", "--immediate"}));
  EXPECT_EQ(out.outcome, "ok");
  EXPECT_EQ(out.detail, "awaiting confirmation");
  EXPECT_EQ(out.target, std::string("inventory-bot/") + kInventoryTokenName);
  EXPECT_EQ(out.tokenId, 101);
  ASSERT_EQ(out.messages.size(), 1u);
  const auto& plan = out.messages[0];
  EXPECT_NE(plan.blocks.dump().find("*Replacement expires:* 2026-12-28"), std::string::npos)
      << "today 2026-11-28 + 30 days";
  const std::string id = buttonValue(plan, kConfirmAction);
  ASSERT_FALSE(id.empty()) << plan.blocks.dump();
  EXPECT_EQ(buttonValue(plan, kCancelAction), id);

  auto stored = confirmations_->consume(id, "U0BOB00002");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->kind, "rotate");
  EXPECT_EQ(stored->requestedBy, "U0ALICE001");
  EXPECT_EQ(stored->channelId, kRequestChannel);
  EXPECT_EQ(stored->request,
            (nlohmann::json{{"token_id", 101}, {"immediate", true}, {"reveal", false}, {"expires_in_days", 30}, {"strategy", "replace"}}));

  EXPECT_EQ(tokenCreates(), 0);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_TRUE(slack_.posts().empty()) << "a plan is the requester's, not the channel's";
}

// --yes without a mutating registration never reaches the handler as confirmed: only
// CommandRequest::confirmed, which the dispatcher sets, runs the rotation.
TEST_F(PatRotateHandlerTest, YesAloneDoesNotRotate) {
  auto out = run(rotate({"101", "--yes"}, /*confirmed=*/false));
  EXPECT_EQ(out.detail, "awaiting confirmation");
  EXPECT_EQ(tokenCreates(), 0);
}

TEST_F(PatRotateHandlerTest, ADryRunChecksEverythingAndChangesNothingEvenConfirmed) {
  auto out = run(rotate({"101", "--dry-run"}, /*confirmed=*/true));
  EXPECT_EQ(out.outcome, "ok");
  EXPECT_EQ(out.detail, "dry run");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].blocks[0]["text"]["text"], "Rotation plan (dry run)");
  EXPECT_TRUE(buttonValue(out.messages[0], kConfirmAction).empty());
  EXPECT_EQ(tokenCreates(), 0);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
}

TEST_F(PatRotateHandlerTest, ConfirmedItRotatesAndAnnouncesInTheRequestChannel) {
  const std::string before = variableValue("GITLAB_API_TOKEN");
  auto out = run(rotate({"101", "--yes"}, /*confirmed=*/true));
  EXPECT_EQ(out.outcome, "ok");
  EXPECT_EQ(out.detail, "completed");
  EXPECT_EQ(out.tokenId, 101);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].text, std::string(":white_check_mark: Rotated inventory-bot/") + kInventoryTokenName);
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  EXPECT_EQ(activeNamed(kInventoryTokenName), 1);
  EXPECT_NE(variableValue("GITLAB_API_TOKEN"), before);

  // The progress is posted and updated in the channel; the result is announced there last.
  auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].to, kRequestChannel);
  EXPECT_EQ(posts[0].message.text, std::string("Rotating inventory-bot/") + kInventoryTokenName);
  EXPECT_FALSE(slack_.updates().empty());
  EXPECT_EQ(posts[1].to, kRequestChannel);
  EXPECT_EQ(posts[1].message.text, out.messages[0].text);
}

TEST_F(PatRotateHandlerTest, ANotificationChannelGetsTheProgressAndTheAnnouncement) {
  makeOperations("C0NOTIFY01");
  run(rotate({"101", "--yes"}, /*confirmed=*/true));
  auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].to, "C0NOTIFY01");
  EXPECT_EQ(posts[1].to, "C0NOTIFY01");
}

// Slack delivers a slash command again when the ack is late: the same trigger_id rotates once.
TEST_F(PatRotateHandlerTest, TheSameTriggerTwiceRotatesOnceAndSaysSo) {
  auto first = run(rotate({"101", "--yes"}, true, "trig-7"));
  ASSERT_EQ(first.detail, "completed");
  auto again = run(rotate({"101", "--yes"}, true, "trig-7"));
  EXPECT_EQ(again.outcome, "ok");
  ASSERT_EQ(again.messages.size(), 1u);
  EXPECT_EQ(again.messages[0].text.rfind(":information_source: ", 0), 0u) << again.messages[0].text;
  EXPECT_NE(again.detail.find("already handled"), std::string::npos) << again.detail;
  EXPECT_EQ(tokenCreates(), 1);
  EXPECT_EQ(activeNamed(kInventoryTokenName), 1);
}

TEST_F(PatRotateHandlerTest, AFailedVerificationEndsInErrorWithTheDecisionButtons) {
  failPipelines();
  auto out = run(rotate({"101", "--yes"}, true));
  EXPECT_EQ(out.outcome, "error");
  EXPECT_EQ(out.detail, "awaiting_decision");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_FALSE(buttonValue(out.messages[0], "pat_decide_retry").empty());
  EXPECT_FALSE(token(101)["revoked"].get<bool>()) << "the old token stays until someone decides";
  EXPECT_EQ(slack_.posts().back().message.text, out.messages[0].text) << "the stop is announced too";
}

TEST_F(PatRotateHandlerTest, ATokenAnUnfinishedRotationOwnsIsRefusedWithThatRotation) {
  failPipelines();
  auto stopped = run(rotate({"101", "--yes"}, true, "trig-1"));
  ASSERT_EQ(stopped.detail, "awaiting_decision");
  transport_->intercept = nullptr;

  auto again = run(rotate({"101"}, false, "trig-2"));
  EXPECT_EQ(again.outcome, "refused");
  EXPECT_EQ(again.tokenId, 101);
  EXPECT_NE(again.detail.find("is awaiting_decision"), std::string::npos) << again.detail;
  ASSERT_EQ(again.messages.size(), 1u);
  EXPECT_NE(again.messages[0].text.find("waits for a decision"), std::string::npos) << again.messages[0].text;
  EXPECT_FALSE(buttonValue(again.messages[0], "pat_decide_retry").empty());

  auto dry = run(rotate({"101", "--dry-run"}, false, "trig-3"));
  EXPECT_EQ(dry.outcome, "ok") << "a dry run still shows the plan";
  ASSERT_EQ(dry.messages.size(), 2u);
  EXPECT_NE(dry.messages[1].text.find("waits for a decision"), std::string::npos);
  EXPECT_EQ(tokenCreates(), 1);
}

TEST_F(PatRotateHandlerTest, AnUnknownIdIsAnErrorNamingIt) {
  auto out = run(rotate({"999"}));
  EXPECT_EQ(out.outcome, "error");
  EXPECT_FALSE(out.tokenId);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].text.rfind(":x: Cannot rotate 999: no token patbot watches has id 999", 0), 0u)
      << out.messages[0].text;
}

TEST_F(PatRotateHandlerTest, TheIdAndTheAccountSlashNameNameTheSameToken) {
  auto byId = run(rotate({"101", "--dry-run"}));
  auto byName = run(rotate({std::string("inventory-bot/") + kInventoryTokenName, "--dry-run"}));
  EXPECT_EQ(byId.tokenId, 101);
  EXPECT_EQ(byName.tokenId, 101);
  EXPECT_EQ(byName.target, byId.target);
  ASSERT_EQ(byName.messages.size(), 1u);
  EXPECT_EQ(byName.messages[0].blocks, byId.messages[0].blocks);
}

TEST_F(PatRotateHandlerTest, AnAmbiguousNameAsksForTheIdAndCreatesNothing) {
  auto twin = api_->createToken({10, "inventory-bot", ""}, {kInventoryTokenName, std::nullopt, {"api"},
                                                            utcDay(clock_.now()) + std::chrono::days(30)});
  ASSERT_TRUE(twin) << twin.error().message;
  const int createsBefore = tokenCreates();
  auto out = run(rotate({std::string("inventory-bot/") + kInventoryTokenName, "--yes"}, true));
  EXPECT_EQ(out.outcome, "error");
  ASSERT_EQ(out.messages.size(), 1u);
  const std::string& text = out.messages[0].text;
  EXPECT_NE(text.find("has 2 tokens named"), std::string::npos) << text;
  EXPECT_NE(text.find("id 101 "), std::string::npos) << text;
  EXPECT_NE(text.find("id " + std::to_string(twin->token.id) + " "), std::string::npos) << text;
  EXPECT_NE(text.find("Give the id instead."), std::string::npos) << text;
  EXPECT_EQ(tokenCreates(), createsBefore);
}

TEST_F(PatRotateHandlerTest, ARevokedTokenCannotBeRotated) {
  auto byId = run(rotate({"104", "--yes"}, true));
  EXPECT_EQ(byId.outcome, "error");
  EXPECT_NE(byId.messages.at(0).text.find("token 104 (deploy-bot/old-deploy) is already revoked"), std::string::npos)
      << byId.messages[0].text;
  auto byName = run(rotate({"deploy-bot/old-deploy"}));
  EXPECT_NE(byName.messages.at(0).text.find("deploy-bot has no unrevoked token named"), std::string::npos)
      << byName.messages[0].text;
  EXPECT_EQ(tokenCreates(), 0);
}

// A name typed into Slack comes back in the error: as text, never as a mention or a link.
TEST_F(PatRotateHandlerTest, AHostileNameIsEchoedEscaped) {
  auto out = run(rotate({"deploy-bot/<!channel> <https://evil.example|x>"}));
  EXPECT_EQ(out.outcome, "error");
  const std::string all = allText(out);
  EXPECT_EQ(all.find("<!channel>"), std::string::npos) << all;
  EXPECT_EQ(all.find("<https://evil.example"), std::string::npos) << all;
  EXPECT_NE(all.find("&lt;!channel&gt;"), std::string::npos) << all;
}

}  // namespace
}  // namespace patbot::handlers::testing
