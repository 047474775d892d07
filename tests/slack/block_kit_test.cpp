#include "slack/block_kit.h"

#include <gtest/gtest.h>

#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(BlockKitTest, EscapeMrkdwn) {
  EXPECT_EQ(escapeMrkdwn("a & b <c> *d*"), "a &amp; b &lt;c&gt; *d*");
  EXPECT_EQ(escapeMrkdwn("see `/pat status`"), "see `/pat status`");
  EXPECT_EQ(codeBlock("x < y"), "```\nx &lt; y\n```");
}

// Slack has no escape for "`": text from outside shows U+02CB instead, so it can neither end nor
// start a code span.
TEST(BlockKitTest, TextFromOutsideCannotBecomeMarkup) {
  EXPECT_EQ(escapeText("<!channel> <https://evil.example|click> a`b &amp;"),
            "&lt;!channel&gt; &lt;https://evil.example|click&gt; a\xCB\x8B" "b &amp;amp;");
  EXPECT_EQ(codeSpan("a`b <@U1>"), "`a\xCB\x8B" "b &lt;@U1&gt;`");
  EXPECT_EQ(codeSpan("two\nlines\r\tx"), "`two lines  x`");
  EXPECT_EQ(codeBlock("```\n<!here>\n```"), "```\n\xCB\x8B\xCB\x8B\xCB\x8B\n&lt;!here&gt;\n\xCB\x8B\xCB\x8B\xCB\x8B\n```");
}

TEST(BlockKitTest, LinkKeepsUrlAndLabelInside) {
  EXPECT_EQ(link("https://gitlab.example.com/g/p/-/issues/3", "g/p#3"), "<https://gitlab.example.com/g/p/-/issues/3|g/p#3>");
  EXPECT_EQ(link("https://gitlab.example.com/a?b=1&c=2", "<x>"), "<https://gitlab.example.com/a?b=1&amp;c=2|&lt;x&gt;>");
  EXPECT_EQ(link("https://gitlab.example.com/x>|<!channel>", "l"), "<https://gitlab.example.com/x%3E%7C%3C!channel%3E|l>");
  EXPECT_EQ(link("javascript:alert(1)", "a`b"), "a\xCB\x8B" "b");
  EXPECT_EQ(link("https://gitlab.example.com/a b", "l"), "l");
  EXPECT_EQ(link("https://gitlab.example.com/a\nb", "l"), "l");
}

TEST(BlockKitTest, ErrorReplyQuotesTheSentence) {
  const Message m = errorReply(":x: Could not list tokens:", "GitLab said <!here> & `x`");
  EXPECT_EQ(m.text, ":x: Could not list tokens: GitLab said &lt;!here&gt; &amp; \xCB\x8Bx\xCB\x8B");
  EXPECT_EQ(m.blocks[0]["text"]["text"], m.text);
  EXPECT_TRUE(m.ephemeral);
}

TEST(BlockKitTest, HeaderIsPlainTextClippedTo150) {
  const json h = header(repeat("a", 200));
  EXPECT_EQ(h["type"], "header");
  EXPECT_EQ(h["text"]["type"], "plain_text");
  const std::string text = h["text"]["text"];
  EXPECT_EQ(utf8::slackLength(text), 150u);
  EXPECT_EQ(text.substr(text.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(header("short")["text"]["text"], "short");
}

TEST(BlockKitTest, SectionClippedTo3000WithEllipsis) {
  const json s = section(repeat("\xC3\xA9", 3500));  // two bytes, one character each
  const std::string text = s["text"]["text"];
  EXPECT_EQ(s["text"]["type"], "mrkdwn");
  EXPECT_EQ(utf8::slackLength(text), 3000u);
  EXPECT_EQ(text.substr(text.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(section(repeat("x", 3000))["text"]["text"], repeat("x", 3000));
}

TEST(BlockKitTest, ClippingCountsAstralCharactersTwice) {
  const std::string text = section(repeat("\xF0\x9F\x94\x91", 2000))["text"]["text"];  // U+1F511
  EXPECT_LE(utf8::slackLength(text), 3000u);
  EXPECT_EQ(utf8::codePoints(text), 1500u);
}

TEST(BlockKitTest, FieldsAtMostTenOf2000) {
  std::vector<std::string> many(12, repeat("f", 2500));
  const json f = fields(many);
  ASSERT_EQ(f["fields"].size(), 10u);
  for (const json& field : f["fields"]) {
    EXPECT_EQ(field["type"], "mrkdwn");
    EXPECT_EQ(utf8::slackLength(field["text"].get<std::string>()), 2000u);
  }
}

TEST(BlockKitTest, ContextAtMostTen) {
  const json c = context(std::vector<std::string>(11, "line"));
  EXPECT_EQ(c["type"], "context");
  EXPECT_EQ(c["elements"].size(), 10u);
  EXPECT_EQ(c["elements"][0]["text"], "line");
}

TEST(BlockKitTest, ButtonLimitsAndStyle) {
  const json b = button(repeat("b", 100), "pat_rotate_confirm", repeat("v", 2500), "danger");
  EXPECT_EQ(b["type"], "button");
  EXPECT_EQ(utf8::slackLength(b["text"]["text"].get<std::string>()), 75u);
  EXPECT_EQ(utf8::slackLength(b["value"].get<std::string>()), 2000u);
  EXPECT_EQ(b["style"], "danger");
  EXPECT_EQ(b["action_id"], "pat_rotate_confirm");
  EXPECT_FALSE(button("x", "a", "v")["style"].is_string());
  EXPECT_FALSE(button("x", "a", "v", "loud").contains("style"));
  EXPECT_EQ(button("x", "a", "v", "primary")["style"], "primary");
  EXPECT_FALSE(button("x", "a", "").contains("value"));
}

TEST(BlockKitTest, ActionsAtMost25) {
  std::vector<json> buttons(30, button("x", "a", "v"));
  const json a = actions(buttons, "pat_rotate");
  EXPECT_EQ(a["type"], "actions");
  EXPECT_EQ(a["elements"].size(), 25u);
  EXPECT_EQ(a["block_id"], "pat_rotate");
  EXPECT_FALSE(actions({button("x", "a", "v")}).contains("block_id"));
}

TEST(BlockKitTest, ConfirmDialog) {
  const json d = confirmDialog("Rotate deploy-token?", "The token stops working.", "Rotate", "Cancel");
  EXPECT_EQ(d["title"]["text"], "Rotate deploy-token?");
  EXPECT_EQ(d["confirm"]["text"], "Rotate");
  EXPECT_EQ(d["deny"]["text"], "Cancel");
  EXPECT_EQ(d["style"], "danger");
}

TEST(BlockKitTest, DividerAndTextMessage) {
  EXPECT_EQ(divider(), json::parse(R"({"type":"divider"})"));
  const Message m = textMessage("hello *there*", false);
  EXPECT_EQ(m.text, "hello *there*");
  EXPECT_FALSE(m.ephemeral);
  ASSERT_EQ(m.blocks.size(), 1u);
  EXPECT_EQ(m.blocks[0]["text"]["text"], "hello *there*");
  EXPECT_TRUE(textMessage("x").ephemeral);
}

TEST(BlockKitTest, ClipNeverSplitsACharacter) {
  const std::string clipped = utf8::clip(repeat("\xE2\x9C\x85", 10), 5);
  EXPECT_EQ(clipped, repeat("\xE2\x9C\x85", 4) + "\xE2\x80\xA6");
  EXPECT_EQ(utf8::clipCodePoints("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(utf8::clipCodePoints("abcd", 4), "abcd");
}

TEST(BlockKitTest, ClipCountsUtf16UnitsAndClipCodePointsCountsCodePoints) {
  const std::string grin = "\xF0\x9F\x98\x80";  // U+1F600: 2 UTF-16 units, 1 code point
  EXPECT_EQ(utf8::slackLength("a" + grin), 3u);
  EXPECT_EQ(utf8::codePoints("a" + grin), 2u);
  EXPECT_EQ(utf8::clip("a" + grin, 3), "a" + grin);
  EXPECT_EQ(utf8::clip("a" + grin + "b", 3), "a\xE2\x80\xA6");  // the emoji would need 4
  EXPECT_EQ(utf8::clipCodePoints("a" + grin + "b", 3), "a" + grin + "b");
  EXPECT_EQ(utf8::clipCodePoints("a" + grin + "bc", 3), "a" + grin + "\xE2\x80\xA6");
  // Invalid bytes weigh one each and are kept whole.
  EXPECT_EQ(utf8::clip("\xFF\xFF\xFF", 2), "\xFF\xE2\x80\xA6");
  EXPECT_EQ(utf8::clipCodePoints("\xFF\xFF\xFF", 2), "\xFF\xE2\x80\xA6");
}

}  // namespace
}  // namespace patbot::slack
