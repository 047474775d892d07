#include "slack/message.h"

#include <gtest/gtest.h>

namespace patbot::slack {
namespace {

using nlohmann::json;

TEST(MessageTest, EphemeralWithoutBlocks) {
  Message m;
  m.text = "hello";
  EXPECT_EQ(m.toAckJson(), json::parse(R"({"response_type":"ephemeral","text":"hello"})"));
}

// Issue 13: a response_url body says explicitly whether it replaces or deletes the original, so
// Slack never applies a default of its own.
TEST(MessageTest, AResponseUrlBodySaysReplaceAndDeleteExplicitly) {
  Message m;
  m.text = "hello";
  EXPECT_EQ(m.toResponseJson(), json::parse(
                                    R"({"response_type":"ephemeral","text":"hello","replace_original":false,"delete_original":false})"));
}

TEST(MessageTest, InChannelWithBlocksAndReplace) {
  Message m;
  m.text = "t";
  m.ephemeral = false;
  m.replaceOriginal = true;
  m.blocks.push_back(json{{"type", "divider"}});
  EXPECT_EQ(m.toResponseJson(),
            json::parse(R"({"response_type":"in_channel","text":"t","blocks":[{"type":"divider"}],"replace_original":true,"delete_original":false})"));
}

}  // namespace
}  // namespace patbot::slack
