#include "slack/interaction_payload.h"

#include <gtest/gtest.h>

#include "testdata.h"

namespace patbot::slack {
namespace {

TEST(InteractionPayloadTest, ParsesBoltFixture) {
  const Result<InteractionPayload> p = parseInteraction(testing::readTestdata("block_actions.body"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->type, "block_actions");
  EXPECT_EQ(p->userId, "U2CERLKJA");
  EXPECT_EQ(p->userName, "roadrunner");
  EXPECT_EQ(p->teamId, "T1DC2JH3J");
  EXPECT_EQ(p->channelId, "C0123456789");
  EXPECT_EQ(p->triggerId, "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
  EXPECT_EQ(p->responseUrl, "https://hooks.slack.com/actions/T1DC2JH3J/123456789/abcdefABCDEF");
  EXPECT_EQ(p->containerMessageTs, "1700000000.000100");
  EXPECT_TRUE(p->containerIsEphemeral);
  ASSERT_EQ(p->actions.size(), 1u);
  EXPECT_EQ(p->actions[0].actionId, "pat_rotate_confirm");
  EXPECT_EQ(p->actions[0].blockId, "pat_rotate");
  EXPECT_EQ(p->actions[0].value, "deploy-token");
  EXPECT_EQ(p->actions[0].actionTs, "1700000001.000200");
}

TEST(InteractionPayloadTest, MalformedPayloadsAreInvalidInput) {
  for (const char* body : {"", "token=abc", "payload=", "payload=%7B", "payload=%5B1%2C2%5D",
                           "payload=%7B%22user%22%3A%7B%7D%7D", "payload=null"}) {
    const Result<InteractionPayload> p = parseInteraction(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.error().kind, ErrorKind::kInvalidInput);
  }
}

TEST(InteractionPayloadTest, WrongTypesAreIgnoredNotThrown) {
  // {"type":"block_actions","user":"U1","container":{"is_ephemeral":"yes"},"actions":[1,{"action_id":7,"value":"v"}]}
  const Result<InteractionPayload> p = parseInteraction(
      "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%22U1%22%2C%22container%22%3A%7B%22is_ephemeral%22"
      "%3A%22yes%22%7D%2C%22actions%22%3A%5B1%2C%7B%22action_id%22%3A7%2C%22value%22%3A%22v%22%7D%5D%7D");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->userId, "");
  EXPECT_FALSE(p->containerIsEphemeral);
  ASSERT_EQ(p->actions.size(), 1u);
  EXPECT_EQ(p->actions[0].actionId, "");
  EXPECT_EQ(p->actions[0].value, "v");
}

}  // namespace
}  // namespace patbot::slack
