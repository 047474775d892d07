#include "slack/command_text.h"

#include <gtest/gtest.h>

namespace patbot::slack {
namespace {

using Args = std::vector<std::string>;

Args split(std::string_view text) {
  Result<Args> r = splitArguments(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? r.value() : Args{};
}

TEST(CommandTextTest, SplitsOnWhitespace) {
  EXPECT_EQ(split("rotate  deploy-token\t--yes\n--dry-run"), (Args{"rotate", "deploy-token", "--yes", "--dry-run"}));
  EXPECT_EQ(split(""), Args{});
  EXPECT_EQ(split("   "), Args{});
  EXPECT_EQ(split("  help  "), Args{"help"});
}

TEST(CommandTextTest, NonBreakingSpaceSeparates) {
  EXPECT_EQ(split("rotate\xC2\xA0" "42\xC2\xA0\xC2\xA0--yes"), (Args{"rotate", "42", "--yes"}));
}

TEST(CommandTextTest, StraightQuotesKeepSpaces) {
  EXPECT_EQ(split(R"(rotate "inventory-bot/GitLab Security - Inventory" --yes)"),
            (Args{"rotate", "inventory-bot/GitLab Security - Inventory", "--yes"}));
}

TEST(CommandTextTest, QuoteMayStartMidWord) {
  EXPECT_EQ(split(R"(rotate inventory-bot/"GitLab Security - Inventory")"),
            (Args{"rotate", "inventory-bot/GitLab Security - Inventory"}));
}

TEST(CommandTextTest, CurlyQuotes) {
  EXPECT_EQ(split("rotate \xE2\x80\x9Cinventory-bot/GitLab Security\xE2\x80\x9D --yes"),
            (Args{"rotate", "inventory-bot/GitLab Security", "--yes"}));
  EXPECT_EQ(split("rotate inventory-bot/\xE2\x80\x9C" "A\xC2\xA0" "B\xE2\x80\x9D"), (Args{"rotate", "inventory-bot/A\xC2\xA0" "B"}));
}

TEST(CommandTextTest, EmptyQuotesAreAnEmptyArgument) {
  EXPECT_EQ(split(R"(status "")"), (Args{"status", ""}));
}

TEST(CommandTextTest, UnbalancedQuoteIsAnError) {
  for (const char* text : {R"(rotate "inventory-bot/GitLab)", "rotate \xE2\x80\x9C" "abc", R"(a "b" "c)"}) {
    Result<Args> r = splitArguments(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
    EXPECT_NE(r.error().message.find("unbalanced quote in"), std::string::npos);
  }
}

TEST(CommandTextTest, DecodesEntitiesFirst) {
  EXPECT_EQ(split("status a&amp;b &lt;x&gt;"), (Args{"status", "a&b", "<x>"}));
}

TEST(CommandTextTest, DecodeEntities) {
  EXPECT_EQ(decodeEntities("a &amp; b &lt;c&gt; &quot; &amp;lt; &"), "a & b <c> &quot; &lt; &");
  EXPECT_EQ(decodeEntities(decodeEntities("plain text")), "plain text");
}

}  // namespace
}  // namespace patbot::slack
