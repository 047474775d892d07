#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "slack/block_kit.h"
#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

Table bigTable(std::size_t rows) {
  Table t;
  t.columns = {"account", "token", "id", "expires", "state"};
  for (std::size_t i = 0; i < rows; ++i) {
    t.rows.push_back({"svc-" + std::to_string(i % 37), "GitLab Security Service - token " + std::to_string(i),
                      std::to_string(100000 + i), "2025-02-01", i % 3 == 0 ? "expiring" : "ok"});
  }
  return t;
}

TEST(TableMessagesTest, ThreeThousandRowsRespectEveryLimit) {
  const Table table = bigTable(3000);
  const std::vector<Message> messages =
      tableMessages("GitLab token status", "3000 tokens, 1000 expiring", table, {"checked now", "source: GitLab"}, false);
  ASSERT_GT(messages.size(), 1u);

  std::map<std::string, int> seenIds;
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const Message& msg = messages[m];
    EXPECT_FALSE(msg.ephemeral);
    ASSERT_TRUE(msg.blocks.is_array());
    EXPECT_LE(msg.blocks.size(), kMaxBlocksPerMessage);
    if (m == 0) {
      EXPECT_EQ(msg.text, "3000 tokens, 1000 expiring");
      EXPECT_EQ(msg.blocks[0]["type"], "header");
      EXPECT_EQ(msg.blocks[0]["text"]["text"], "GitLab token status");
    } else {
      EXPECT_EQ(msg.text, "3000 tokens, 1000 expiring (part " + std::to_string(m + 1) + " of " +
                              std::to_string(messages.size()) + ")");
      EXPECT_NE(msg.blocks[0]["type"], "header");
    }
    std::size_t chars = 0;
    for (const json& block : msg.blocks) {
      if (block["type"] != "section") continue;
      const std::string text = block["text"]["text"];
      EXPECT_LE(utf8::slackLength(text), 3000u);
      chars += utf8::slackLength(text);
      if (text.rfind("```\n", 0) != 0) continue;
      const std::vector<std::string> ls = lines(text);
      ASSERT_GE(ls.size(), 4u);
      EXPECT_EQ(ls.front(), "```");
      EXPECT_EQ(ls.back(), "```");
      EXPECT_EQ(ls[1].rfind("account", 0), 0u) << "header line repeated in every chunk";
      EXPECT_EQ(ls[2].rfind("-------", 0), 0u);
      for (std::size_t i = 3; i + 1 < ls.size(); ++i) {
        std::istringstream words(ls[i]);
        std::string account, gitlab, security, service, dash, tokenWord, number, id;
        words >> account >> gitlab >> security >> service >> dash >> tokenWord >> number >> id;
        ++seenIds[id];
      }
    }
    EXPECT_LE(chars, kMaxMessageChars + 3000);
  }
  ASSERT_EQ(seenIds.size(), 3000u);
  for (std::size_t i = 0; i < 3000; ++i) EXPECT_EQ(seenIds[std::to_string(100000 + i)], 1) << i;

  const json& last = messages.back().blocks.back();
  EXPECT_EQ(last["type"], "context");
  EXPECT_EQ(last["elements"][0]["text"], "checked now");
  EXPECT_EQ(last["elements"][1]["text"], "source: GitLab");
}

TEST(TableMessagesTest, SmallTableIsOneAlignedMessage) {
  Table t;
  t.columns = {"account", "name", "days"};
  t.rows = {{"inventory-bot", "Inventory <prod> & co", "5"}, {"b\xC3\xA9ta", "x", "120"}};
  const std::vector<Message> messages = tableMessages("Tokens", "2 tokens", t, {}, true);
  ASSERT_EQ(messages.size(), 1u);
  const Message& m = messages[0];
  EXPECT_TRUE(m.ephemeral);
  EXPECT_EQ(m.text, "2 tokens");
  ASSERT_EQ(m.blocks.size(), 3u);
  EXPECT_EQ(m.blocks[0]["type"], "header");
  EXPECT_EQ(m.blocks[1]["text"]["text"], "2 tokens");
  EXPECT_EQ(m.blocks[2]["text"]["text"],
            "```\n"
            "account        name                   days\n"
            "-------------  ---------------------  ----\n"
            "inventory-bot  Inventory &lt;prod&gt; &amp; co  5\n"
            "b\xC3\xA9ta           x                      120\n"
            "```");
}

TEST(TableMessagesTest, MaxWidthsClipCellsAndNewlinesFlatten) {
  Table t;
  t.columns = {"name", "n"};
  t.rows = {{"abcdefghij", "1"}, {"two\nlines", "2"}};
  t.maxWidths = {6, 0};
  const std::vector<Message> messages = tableMessages("T", "", t, {}, true);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "T");
  ASSERT_EQ(messages[0].blocks.size(), 2u);
  EXPECT_EQ(messages[0].blocks[1]["text"]["text"],
            "```\nname    n\n------  -\nabcde\xE2\x80\xA6  1\ntwo l\xE2\x80\xA6  2\n```");
}

TEST(TableMessagesTest, EmptyTableStillShowsHeader) {
  Table t;
  t.columns = {"account", "name"};
  const std::vector<Message> messages = tableMessages("Tokens", "no tokens", t, {"f"}, true);
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0].blocks.size(), 4u);
  EXPECT_EQ(messages[0].blocks[2]["text"]["text"], "```\naccount  name\n-------  ----\n```");
  EXPECT_EQ(messages[0].blocks[3]["type"], "context");
}

TEST(TableMessagesTest, HugeCellsStayWithinSectionLimit) {
  Table t;
  t.columns = {std::string(5000, 'h'), "b"};
  for (int i = 0; i < 20; ++i) t.rows.push_back({std::string(4000, '<'), std::to_string(i)});
  const std::vector<Message> messages = tableMessages("T", "s", t, {}, true);
  std::size_t sections = 0;
  for (const Message& m : messages) {
    EXPECT_LE(m.blocks.size(), kMaxBlocksPerMessage);
    for (const json& b : m.blocks) {
      if (b["type"] != "section") continue;
      EXPECT_LE(utf8::slackLength(b["text"]["text"].get<std::string>()), 3000u);
      ++sections;
    }
  }
  EXPECT_GE(sections, 2u);
}

TEST(TableMessagesTest, ManyFooterLinesSplitIntoContextBlocksOfTen) {
  Table t;
  t.columns = {"a"};
  std::vector<std::string> footer(25, "note");
  const std::vector<Message> messages = tableMessages("T", "s", t, footer, true);
  ASSERT_EQ(messages.size(), 1u);
  const json& blocks = messages[0].blocks;
  ASSERT_EQ(blocks.size(), 6u);
  EXPECT_EQ(blocks[3]["elements"].size(), 10u);
  EXPECT_EQ(blocks[5]["elements"].size(), 5u);
}

}  // namespace
}  // namespace patbot::slack

namespace patbot::slack {
namespace {

TEST(TableMessagesTest, LargerMessageBudgetStillCapsBlocksAtFifty) {
  Table t;
  t.columns = {"id", "name"};
  for (int i = 0; i < 3000; ++i) t.rows.push_back({std::to_string(i), std::string(50, 'n')});
  const std::vector<Message> messages = tableMessages("T", "s", t, {}, true, 1000000);
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages[0].blocks.size(), kMaxBlocksPerMessage);
  std::size_t rows = 0;
  for (const Message& m : messages) {
    EXPECT_LE(m.blocks.size(), kMaxBlocksPerMessage);
    for (const nlohmann::json& b : m.blocks) {
      if (b["type"] != "section" || b["text"]["text"].get<std::string>().rfind("```", 0) != 0) continue;
      const std::string text = b["text"]["text"];
      rows += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) - 3;
    }
  }
  EXPECT_EQ(rows, 3000u);
}

}  // namespace
}  // namespace patbot::slack
