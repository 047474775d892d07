#include "slack/terminal_renderer.h"

#include <gtest/gtest.h>

#include "slack/block_kit.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

TEST(TerminalRendererTest, RendersEveryBlockKind) {
  Message m;
  m.text = "fallback";
  m.blocks = json::array({
      header("Rotate deploy-token?"),
      section("*Token:* deploy-token (id 42) &amp; <https://gitlab.example.com/-/user_settings|settings>"),
      fields({"*account*", "inventory-bot", "*expires*", "2025-02-01"}),
      divider(),
      context({"asked by <@U123>", "source: GitLab"}),
      actions({button("Confirm", "pat_rotate_confirm", "42", "danger"), button("Cancel", "pat_rotate_cancel", "42")}),
  });
  EXPECT_EQ(renderForTerminal(m),
            "== Rotate deploy-token? ==\n"
            "Token: deploy-token (id 42) & settings (https://gitlab.example.com/-/user_settings)\n"
            "account   inventory-bot\n"
            "expires   2025-02-01\n"
            "────────────────────────────────────────\n"
            "  · asked by @U123\n"
            "  · source: GitLab\n"
            "[ Confirm ]  [ Cancel ]\n");
}

TEST(TerminalRendererTest, CodeBlocksPrintedWithoutFences) {
  Message m;
  m.blocks = json::array({section("Tokens:\n" + codeBlock("name  days\n*a*   <5>"))});
  EXPECT_EQ(renderForTerminal(m), "Tokens:\nname  days\n*a*   <5>\n");
}

TEST(TerminalRendererTest, TableMessagesReadAsATable) {
  Table t;
  t.columns = {"account", "days"};
  t.rows = {{"svc-a", "5"}};
  const std::vector<Message> messages = tableMessages("Status", "1 token", t, {"checked"}, true);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(renderForTerminal(messages[0]),
            "== Status ==\n1 token\naccount  days\n-------  ----\nsvc-a    5\n  · checked\n");
}

TEST(TerminalRendererTest, MrkdwnLightTouch) {
  EXPECT_EQ(mrkdwnToPlain("*bold* and a*b*c and 2 * 3 * 4"), "bold and a*b*c and 2 * 3 * 4");
  EXPECT_EQ(mrkdwnToPlain("<https://x.example/a>"), "https://x.example/a");
  EXPECT_EQ(mrkdwnToPlain("<#C123|ops> <!here> <@U1|alice>"), "#ops @here @alice");
  EXPECT_EQ(mrkdwnToPlain("a &lt;b&gt; &amp;lt;"), "a <b> &lt;");
  EXPECT_EQ(mrkdwnToPlain("GITLAB_API_TOKEN *x"), "GITLAB_API_TOKEN *x");
}

// The CLI reads what Slack readers read, unescaped: entities decoded, the backtick stand-in back
// to "`", and no control character from outside reaches the terminal.
TEST(TerminalRendererTest, EscapedTextFromOutsideReadsAsItIs) {
  const std::string hostile = "<!channel> <https://evil.example|click> a`b &amp;";
  Message m;
  m.blocks = json::array({section("*Token:* " + codeSpan(hostile) + " " + escapeText(hostile)),
                          section(codeBlock("name\n" + hostile))});
  m.text = escapeText(hostile);
  EXPECT_EQ(renderForTerminal(m), "Token: `" + hostile + "` " + hostile + "\nname\n" + hostile + "\n");
  m.blocks = json::array();
  EXPECT_EQ(renderForTerminal(m), hostile + "\n");
}

TEST(TerminalRendererTest, ControlCharactersAreNeutralized) {
  Message m;
  m.blocks = json::array({section(codeSpan("a\x1b[2Jb\x07\x7f\xC2\x9B" "c\td"))});
  EXPECT_EQ(renderForTerminal(m), "`a\xEF\xBF\xBD[2Jb\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "c d`\n");
  EXPECT_EQ(neutralizeControls("x\ry\n\tz\xC2\xA0"), "x\xEF\xBF\xBDy\n\tz\xC2\xA0");
}

TEST(TerminalRendererTest, WithoutBlocksUsesFallbackText) {
  Message m;
  m.text = "Working on it\xE2\x80\xA6";
  EXPECT_EQ(renderForTerminal(m), "Working on it\xE2\x80\xA6\n");
}

TEST(TerminalRendererTest, AccessoryButtonAndUnknownBlocks) {
  json s = section("Rotate *x*?");
  s["accessory"] = button("Go", "go", "1");
  Message m;
  m.blocks = json::array({s, json{{"type", "image"}}, json("not a block")});
  EXPECT_EQ(renderForTerminal(m), "Rotate x?  [ Go ]\n");
}

TEST(TerminalRendererTest, Deterministic) {
  const Message m = textMessage("*a* <b|c>");
  EXPECT_EQ(renderForTerminal(m), renderForTerminal(m));
  EXPECT_EQ(renderForTerminal(m), "a c (b)\n");
}

}  // namespace
}  // namespace patbot::slack
