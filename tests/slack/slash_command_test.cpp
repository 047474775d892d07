#include "slack/slash_command.h"

#include <gtest/gtest.h>

#include "testdata.h"

namespace patbot::slack {
namespace {

TEST(SlashCommandTest, ParsesBoltFixture) {
  const Result<SlashCommand> c = parseSlashCommand(testing::readTestdata("slash_pat.body"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->teamId, "T1DC2JH3J");
  EXPECT_EQ(c->channelId, "C0123456789");
  EXPECT_EQ(c->channelName, "ops");
  EXPECT_EQ(c->userId, "U2CERLKJA");
  EXPECT_EQ(c->userName, "roadrunner");
  EXPECT_EQ(c->command, "/pat");
  EXPECT_EQ(c->text, "rotate deploy-token");
  EXPECT_EQ(c->responseUrl, "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN");
  EXPECT_EQ(c->triggerId, "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
  EXPECT_EQ(c->apiAppId, "A0123456789");
  EXPECT_EQ(c->enterpriseId, "");
}

TEST(SlashCommandTest, DecodesEntitiesInText) {
  const Result<SlashCommand> c =
      parseSlashCommand("user_id=U1&command=%2Fpat&enterprise_id=E1&text=status+a%26amp%3Bb+%26lt%3Bx%26gt%3B");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->text, "status a&b <x>");
  EXPECT_EQ(c->enterpriseId, "E1");
}

TEST(SlashCommandTest, EmptyTextIsFine) {
  const Result<SlashCommand> c = parseSlashCommand("user_id=U1&command=%2Fpat&text=");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->text, "");
}

TEST(SlashCommandTest, MissingUserOrCommandIsInvalid) {
  for (const char* body : {"command=%2Fpat&text=help", "user_id=U1&text=help", "user_id=&command=%2Fpat", ""}) {
    const Result<SlashCommand> c = parseSlashCommand(body);
    ASSERT_FALSE(c.ok()) << body;
    EXPECT_EQ(c.error().kind, ErrorKind::kInvalidInput);
  }
}

}  // namespace
}  // namespace patbot::slack
