#include "handlers/expiry_digest.h"

#include <gtest/gtest.h>

#include "handlers/rotation_messages.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

const Date kDay = *parseDate("2026-03-02");

DigestEntry entry(int64_t id, int daysLeft, std::string name = "registry") {
  return DigestEntry{"deploy-bot", std::move(name), id, kDay + std::chrono::days(daysLeft), daysLeft, daysLeft <= 0, "", ""};
}

TEST(WatcherDigest, PhrasesSayHowCloseTheExpiryIs) {
  EXPECT_EQ(expiryPhrase(7, kDay), "expires in 7 days (2026-03-02)");
  EXPECT_EQ(expiryPhrase(1, kDay), "expires tomorrow (2026-03-02)");
  EXPECT_EQ(expiryPhrase(0, kDay), "expired today (2026-03-02)");
  EXPECT_EQ(expiryPhrase(-1, kDay), "expired yesterday (2026-03-02)");
  EXPECT_EQ(expiryPhrase(-12, kDay), "expired 12 days ago (2026-03-02)");
}

TEST(WatcherDigest, LineNamesTokenReplacementAndIssue) {
  DigestEntry e = entry(106, -1, "nightly <backup>");
  e.issueLabel = "sec/team#263";
  e.issueUrl = "https://gitlab.example.com/sec/team/-/issues/263";
  EXPECT_EQ(digestLine(e),
            "`deploy-bot / nightly &lt;backup&gt;` (id 106) expired yesterday (2026-03-01) *(no replacement)* — "
            "tracking issue <https://gitlab.example.com/sec/team/-/issues/263|sec/team#263>");
  EXPECT_EQ(digestLine(entry(7, 7)), "`deploy-bot / registry` (id 7) expires in 7 days (2026-03-09)");
}

TEST(WatcherDigest, OneMessageWithRotateButtonsAndStaleWarning) {
  auto messages = digestMessages({entry(1, 3), entry(2, -4)}, DigestStaleness{TimePoint(kDay), "GitLab timed out"});
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0];
  EXPECT_FALSE(m.ephemeral);
  EXPECT_EQ(m.blocks[0]["text"]["text"], "2 service account tokens need attention");
  EXPECT_EQ(m.blocks[1]["type"], "context");
  EXPECT_NE(m.blocks[1].dump().find("GitLab timed out"), std::string::npos);
  ASSERT_EQ(m.blocks.size(), 4u);
  EXPECT_EQ(m.blocks[2]["accessory"]["action_id"], kDigestRotateAction);
  EXPECT_EQ(m.blocks[2]["accessory"]["value"], "1");
  EXPECT_EQ(m.blocks[3]["accessory"]["value"], "2");
  EXPECT_NE(m.text.find("registry expires in 3 days"), std::string::npos) << m.text;
  EXPECT_TRUE(digestMessages({}, std::nullopt).empty());
}

TEST(WatcherDigest, SplitsOnlyWhenAMessageWouldBeTooLarge) {
  std::vector<DigestEntry> many;
  for (int i = 0; i < 49; ++i) many.push_back(entry(i, 5, "t"));
  EXPECT_EQ(digestMessages(many, std::nullopt, 100000).size(), 1u);   // header + 49 sections = 50 blocks
  many.push_back(entry(49, 5, "t"));
  auto split = digestMessages(many, std::nullopt, 100000);
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].blocks.size(), slack::kMaxBlocksPerMessage);
  EXPECT_EQ(split[1].blocks.size(), 1u);
  EXPECT_NE(split[1].text.find("(part 2 of 2)"), std::string::npos);
  auto bySize = digestMessages(many, std::nullopt, 3000);
  EXPECT_GT(bySize.size(), 2u);
  size_t buttons = 0;
  for (const auto& m : bySize) {
    for (const auto& b : m.blocks) buttons += b.contains("accessory");
  }
  EXPECT_EQ(buttons, 50u);
}

}  // namespace
}  // namespace patbot::handlers
