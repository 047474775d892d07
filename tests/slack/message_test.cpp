#include "slack/message.h"

#include <gtest/gtest.h>

namespace patbot::slack {
namespace {

using nlohmann::json;

TEST(MessageTest, EphemeralWithoutBlocks) {
  Message m;
  m.text = "hello";
  EXPECT_EQ(m.toResponseJson(), json::parse(R"({"response_type":"ephemeral","text":"hello"})"));
}

TEST(MessageTest, InChannelWithBlocksAndReplace) {
  Message m;
  m.text = "t";
  m.ephemeral = false;
  m.replaceOriginal = true;
  m.blocks.push_back(json{{"type", "divider"}});
  EXPECT_EQ(m.toResponseJson(),
            json::parse(R"({"response_type":"in_channel","text":"t","blocks":[{"type":"divider"}],"replace_original":true})"));
}

}  // namespace
}  // namespace patbot::slack
