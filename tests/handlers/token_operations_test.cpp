// TokenOperations' revoke side (`/pat revoke` and its buttons run on it) and where announcements
// go, against the simulated GitLab. The rotate side: pat_rotate_handler_test.cpp.
#include "handlers/token_operations.h"

#include <gtest/gtest.h>

#include "slack/block_kit.h"
#include "tests/handlers/token_operations_fixture.h"

namespace patbot::handlers::testing {
namespace {

constexpr int64_t kRegistry = 103;   // deploy-bot/registry in the demo seed

using TokenOperationsTest = TokenOperationsFixture;

TEST_F(TokenOperationsTest, RevokeRevokesAndAnnouncesAfterAnsweringTheRequester) {
  auto out = operations_->runRevoke("deploy-bot/registry", "U0ALICE001", kRequestChannel);
  EXPECT_EQ(out.outcome, "ok");
  EXPECT_EQ(out.target, "deploy-bot/registry");
  EXPECT_EQ(out.tokenId, kRegistry);
  EXPECT_EQ(out.detail, "revoked token 103");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].text, ":no_entry_sign: Token `deploy-bot/registry` (id 103) revoked by <@U0ALICE001>.");
  EXPECT_FALSE(out.messages[0].ephemeral);
  EXPECT_TRUE(token(kRegistry)["revoked"].get<bool>());

  EXPECT_TRUE(slack_.posts().empty()) << "the channel hears in the follow-up, after the requester";
  ASSERT_TRUE(out.followUp);
  out.followUp();
  auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].to, kRequestChannel);
  EXPECT_EQ(posts[0].message.text, out.messages[0].text);
}

TEST_F(TokenOperationsTest, AnnouncementsGoToTheNotificationChannelWhenThereIsOne) {
  makeOperations("C0NOTIFY01");
  EXPECT_EQ(operations_->progressChannel(kRequestChannel), "C0NOTIFY01");
  auto out = operations_->runRevoke("103", "U0ALICE001", kRequestChannel);
  out.followUp();
  ASSERT_EQ(slack_.posts().size(), 1u);
  EXPECT_EQ(slack_.posts()[0].to, "C0NOTIFY01");
}

TEST_F(TokenOperationsTest, WithNoChannelAtAllNothingIsAnnounced) {
  EXPECT_EQ(operations_->progressChannel(""), "");
  operations_->announce("", slack::textMessage("lost"));
  EXPECT_TRUE(slack_.posts().empty());
}

// A failed post is logged, not thrown: the revoke has happened and was answered.
TEST_F(TokenOperationsTest, AnAnnouncementSlackRefusesChangesNothing) {
  slack_.failPosts(Error::make(ErrorKind::kUnavailable, "Slack is unreachable"));
  auto out = operations_->runRevoke("103", "U0ALICE001", kRequestChannel);
  EXPECT_NO_THROW(out.followUp());
  EXPECT_EQ(out.outcome, "ok");
}

TEST_F(TokenOperationsTest, RevokingAnUnknownTokenSaysWhy) {
  auto out = operations_->runRevoke("999", "U0ALICE001", kRequestChannel);
  EXPECT_EQ(out.outcome, "error");
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].text.rfind(":x: Cannot revoke 999: no token patbot watches has id 999", 0), 0u)
      << out.messages[0].text;
  EXPECT_FALSE(out.followUp);
}

TEST_F(TokenOperationsTest, GitLabRefusingTheRevokeIsAnError) {
  transport_->intercept = [](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method != "DELETE") return std::nullopt;
    return http::ClientResponse{403, {{"content-type", "application/json"}}, R"({"message":"403 Forbidden"})"};
  };
  auto out = operations_->runRevoke("103", "U0ALICE001", kRequestChannel);
  EXPECT_EQ(out.outcome, "error");
  EXPECT_EQ(out.tokenId, kRegistry);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].text.rfind(":x: Could not revoke deploy-bot/registry: ", 0), 0u) << out.messages[0].text;
  EXPECT_FALSE(out.followUp) << "nothing to announce";
  EXPECT_FALSE(token(kRegistry)["revoked"].get<bool>());
}

// Either token of an unfinished rotation is that rotation's to revoke (SPEC §5.4).
TEST_F(TokenOperationsTest, TokensOfAnUnfinishedRotationAreRefused) {
  failPipelines();
  RotateArgs args;
  args.token = "101";
  auto stopped = operations_->runRotation(args, "U0ALICE001", "key-1", kRequestChannel, "");
  ASSERT_EQ(stopped.detail, "awaiting_decision");
  transport_->intercept = nullptr;
  auto open = journal_->unfinished();
  ASSERT_TRUE(open && open->size() == 1u);
  ASSERT_TRUE(open->front().newTokenId);
  for (int64_t id : {int64_t{101}, *open->front().newTokenId}) {
    SCOPED_TRACE(id);
    auto out = operations_->runRevoke(std::to_string(id), "U0BOB00002", kRequestChannel);
    EXPECT_EQ(out.outcome, "refused");
    EXPECT_EQ(out.detail, "token " + std::to_string(id) + " belongs to unfinished rotation #" +
                              std::to_string(open->front().id));
    EXPECT_NE(out.messages.at(0).text.find("waits for a decision"), std::string::npos);
    EXPECT_FALSE(token(id)["revoked"].get<bool>());
  }
}

TEST_F(TokenOperationsTest, AskingToRevokeStoresARevokeConfirmationAndChangesNothing) {
  auto out = operations_->askToRevoke("deploy-bot/registry", "U0ALICE001", kRequestChannel);
  EXPECT_EQ(out.outcome, "ok");
  EXPECT_EQ(out.detail, "awaiting confirmation");
  EXPECT_EQ(out.tokenId, kRegistry);
  ASSERT_EQ(out.messages.size(), 1u);
  const auto& m = out.messages[0];
  EXPECT_EQ(m.text, "Revoke `deploy-bot/registry`?");
  EXPECT_NE(m.blocks.dump().find("(id 103, expires 2026-12-10)"), std::string::npos) << m.blocks.dump();
  const std::string id = buttonValue(m, kConfirmAction);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(buttonValue(m, kCancelAction), id);
  auto stored = confirmations_->consume(id, "U0BOB00002");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->kind, "revoke");
  EXPECT_EQ(stored->request, (nlohmann::json{{"token_id", kRegistry}}));
  EXPECT_FALSE(token(kRegistry)["revoked"].get<bool>());
}

TEST_F(TokenOperationsTest, ErrorMessagesEscapeWhatTheyQuote) {
  auto m = errorMessage("Cannot revoke <!here>", Error::make(ErrorKind::kNotFound, "no token `x` & <y>"));
  EXPECT_EQ(m.text, ":x: Cannot revoke &lt;!here&gt;: no token \xCB\x8Bx\xCB\x8B &amp; &lt;y&gt;");
}

}  // namespace
}  // namespace patbot::handlers::testing
