#include "handlers/status_table.h"

#include <gtest/gtest.h>

#include "handlers/pat_status_handler.h"
#include "handlers/status_format.h"

namespace patbot::handlers {
namespace {

Date day(const char* s) { return *parseDate(s); }

gitlab::AccessToken token(int64_t id, std::string name, std::optional<const char*> expires, bool revoked = false) {
  gitlab::AccessToken t;
  t.id = id;
  t.name = std::move(name);
  t.scopes = {"api"};
  if (expires) t.expiresAt = day(*expires);
  t.revoked = revoked;
  t.active = !revoked;
  return t;
}

gitlab::Inventory sample() {
  gitlab::Inventory inv;
  inv.accounts.push_back({{10, "inventory-bot", "Inventory"},
                          {token(1, "GitLab Security Service - Architecture - Inventory", "2026-12-03"),
                           token(2, "old", "2026-01-01", true)}});
  inv.accounts.push_back({{11, "deploy-bot", "Deploy"},
                          {token(3, "registry", "2026-12-10"), token(4, "forever", std::nullopt),
                           token(5, "nightly", "2026-11-28")}});
  inv.accounts.push_back({{12, "docs-bot", "Docs"}, {token(6, "pages", "2027-06-01")}});
  return inv;
}

const Date kToday = day("2026-11-28");

TEST(TokenState, ExpiredFromMidnightOfExpiresAt) {
  EXPECT_EQ(tokenState(token(1, "a", "2026-11-28"), kToday, 30), TokenState::kExpired);
  EXPECT_EQ(tokenState(token(1, "a", "2026-11-29"), kToday, 30), TokenState::kExpiring);
  EXPECT_EQ(tokenState(token(1, "a", "2026-12-28"), kToday, 30), TokenState::kExpiring);
  EXPECT_EQ(tokenState(token(1, "a", "2026-12-29"), kToday, 30), TokenState::kOk);
  EXPECT_EQ(tokenState(token(1, "a", std::nullopt), kToday, 30), TokenState::kOk);
  EXPECT_EQ(tokenState(token(1, "a", "2027-01-01", true), kToday, 30), TokenState::kRevoked);
}

TEST(StatusRows, MostUrgentFirstRevokedHiddenUnlessAll) {
  auto rows = statusRows(sample(), kToday, 30, {});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].tokenName, "nightly");
  EXPECT_EQ(rows[0].state, TokenState::kExpired);
  EXPECT_EQ(*rows[0].daysLeft, 0);
  EXPECT_EQ(rows[1].tokenId, 1);
  EXPECT_EQ(*rows[1].daysLeft, 5);
  EXPECT_EQ(rows[2].tokenName, "registry");
  EXPECT_EQ(rows[3].tokenName, "pages");
  EXPECT_EQ(rows[4].tokenName, "forever");

  StatusFilter all;
  all.includeRevoked = true;
  auto withRevoked = statusRows(sample(), kToday, 30, all);
  ASSERT_EQ(withRevoked.size(), 6u);
  EXPECT_EQ(withRevoked.back().state, TokenState::kRevoked);
}

TEST(StatusRows, QueryAndExpiringFilters) {
  StatusFilter f;
  f.query = "DEPLOY";
  EXPECT_EQ(statusRows(sample(), kToday, 30, f).size(), 3u);
  f.query = "inventory-bot/GitLab Security";
  EXPECT_EQ(statusRows(sample(), kToday, 30, f).size(), 1u);
  StatusFilter e;
  e.expiringWithinDays = 7;
  auto rows = statusRows(sample(), kToday, 30, e);
  ASSERT_EQ(rows.size(), 2u);   // expired today and in 5 days
  EXPECT_EQ(countRows(rows).expired, 1);
}

TEST(StatusArgs, ParsesFlagsAndRejectsBadOnes) {
  auto f = parseStatusArgs({"inventory", "--expiring", "14", "--all"});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->query, "inventory");
  EXPECT_EQ(*f->expiringWithinDays, 14);
  EXPECT_TRUE(f->includeRevoked);
  EXPECT_TRUE(parseStatusArgs({"--expiring=3"}));
  EXPECT_FALSE(parseStatusArgs({"--expiring"}));
  EXPECT_FALSE(parseStatusArgs({"--expiring", "soon"}));
  EXPECT_FALSE(parseStatusArgs({"--expiring", "-1"}));
  EXPECT_FALSE(parseStatusArgs({"--bogus"}));
  auto two = parseStatusArgs({"a", "b"});
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("one QUERY"), std::string::npos);
}

TEST(StatusFormat, SummaryAndTextTable) {
  auto rows = statusRows(sample(), kToday, 30, {});
  EXPECT_EQ(statusSummary(countRows(rows), 30),
            "5 tokens on 3 service accounts: 1 expired, 2 expiring within 30 days");
  auto text = statusText(rows);
  EXPECT_NE(text.find("account"), std::string::npos);
  EXPECT_NE(text.find("2026-12-03"), std::string::npos);
  EXPECT_NE(text.find("expired"), std::string::npos);
  EXPECT_NE(text.find("never"), std::string::npos);
}

TEST(StatusFormat, ThreeThousandTokensSplitWithinSlackLimits) {
  gitlab::Inventory inv;
  for (int a = 0; a < 300; ++a) {
    gitlab::AccountTokens acc{{a + 100, "svc-account-" + std::to_string(a), "x"}, {}};
    for (int t = 0; t < 10; ++t) acc.tokens.push_back(token(a * 10 + t + 1, "token-name-" + std::to_string(t), "2027-03-01"));
    inv.accounts.push_back(acc);
  }
  auto rows = statusRows(inv, kToday, 30, {});
  ASSERT_EQ(rows.size(), 3000u);
  auto messages = statusMessages(rows, 30, {"footer"});
  ASSERT_GT(messages.size(), 1u);
  size_t seen = 0;
  for (const auto& m : messages) {
    EXPECT_LE(m.blocks.size(), 50u);
    EXPECT_FALSE(m.text.empty());
    for (const auto& b : m.blocks) {
      if (b["type"] == "section" && b.contains("text")) {
        auto text = b["text"]["text"].get<std::string>();
        EXPECT_LE(text.size(), 3000u);
        for (size_t pos = text.find("svc-account-"); pos != std::string::npos; pos = text.find("svc-account-", pos + 1)) ++seen;
      }
    }
  }
  EXPECT_EQ(seen, 3000u);
}

}  // namespace
}  // namespace patbot::handlers

#include "handlers/pat_audit_handler.h"

namespace patbot::handlers {
namespace {

TEST(AuditArgs, TokenUserAndLimit) {
  auto byToken = parseAuditArgs({"inventory-bot/x", "--limit", "5"});
  ASSERT_TRUE(byToken);
  EXPECT_EQ(*byToken->target, "inventory-bot/x");
  EXPECT_EQ(byToken->limit, 5);
  auto byMention = parseAuditArgs({"<@U123|alice>"});
  ASSERT_TRUE(byMention);
  EXPECT_EQ(*byMention->actor, "U123");
  EXPECT_EQ(*parseAuditArgs({"@U9"})->actor, "U9");
  EXPECT_FALSE(parseAuditArgs({"--limit", "0"}));
  EXPECT_FALSE(parseAuditArgs({"--limit", "201"}));
  EXPECT_FALSE(parseAuditArgs({"a", "b"}));
  EXPECT_FALSE(parseAuditArgs({"--since"}));
}

}  // namespace
}  // namespace patbot::handlers
