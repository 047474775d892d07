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

DigestEntry resourceEntry(gitlab::TokenKind kind, std::string path, int64_t id, int daysLeft,
                          std::string name = "deploy-token") {
  DigestEntry e = entry(id, daysLeft, std::move(name));
  e.kind = kind;
  e.account = std::move(path);
  return e;
}

// A project or group token is named with its kind and full path, "·" between owner and name.
TEST(WatcherDigest, LineNamesAProjectOrGroupTokenWithItsKind) {
  using gitlab::TokenKind;
  DigestEntry project = resourceEntry(TokenKind::kProject, "sec/app", 7, -1);
  project.issueLabel = "sec/team#264";
  EXPECT_EQ(digestLine(project),
            "`project sec/app \xC2\xB7 deploy-token` (id 7) expired yesterday (2026-03-01) *(no replacement)* — "
            "tracking issue sec/team#264");
  EXPECT_EQ(digestLine(resourceEntry(TokenKind::kGroup, "sec/platform", 8, 3, "ci <bot>")),
            "`group sec/platform \xC2\xB7 ci &lt;bot&gt;` (id 8) expires in 3 days (2026-03-05)");
}

// "service account tokens" while every entry is one; "tokens" once a project or group token is in.
TEST(WatcherDigest, HeaderSaysTokensWhenKindsAreMixed) {
  using gitlab::TokenKind;
  auto mixed = digestMessages({entry(1, 3), resourceEntry(TokenKind::kProject, "sec/app", 7, 5),
                               resourceEntry(TokenKind::kGroup, "sec", 8, -2, "ci")},
                              std::nullopt);
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].blocks[0]["text"]["text"], "3 tokens need attention");
  EXPECT_EQ(mixed[0].text,
            "3 tokens need attention: deploy-bot / registry expires in 3 days (2026-03-05); project sec/app \xC2\xB7 "
            "deploy-token expires in 5 days (2026-03-07); group sec \xC2\xB7 ci expired 2 days ago (2026-02-28)");
  EXPECT_EQ(mixed[0].blocks[2]["accessory"]["value"], "7") << "the Rotate button names the id, whatever the kind";
  EXPECT_EQ(mixed[0].blocks[3]["accessory"]["value"], "8");
  auto one = digestMessages({resourceEntry(TokenKind::kProject, "sec/app", 7, 5)}, std::nullopt);
  EXPECT_EQ(one[0].blocks[0]["text"]["text"], "1 token needs attention");
  auto personal = digestMessages({entry(1, 3)}, std::nullopt);
  EXPECT_EQ(personal[0].blocks[0]["text"]["text"], "1 service account token needs attention");
  EXPECT_EQ(personal[0].text,
            "1 service account token needs attention: deploy-bot / registry expires in 3 days (2026-03-05)");
}

}  // namespace
}  // namespace patbot::handlers
