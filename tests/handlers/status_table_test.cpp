#include "handlers/status_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "handlers/pat_status_handler.h"
#include "handlers/status_format.h"
#include "handlers/status_json.h"

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

gitlab::AccessToken resourceToken(int64_t id, std::string name, std::optional<const char*> expires, int level,
                                  std::vector<std::string> scopes = {"api"}) {
  auto t = token(id, std::move(name), expires);
  t.scopes = std::move(scopes);
  t.accessLevel = level;
  return t;
}

// sample() and, beside its three service accounts, projects sec/app (id 11, as deploy-bot's user
// id) and sec/tools, and group sec, whose path starts theirs.
gitlab::Inventory mixedSample() {
  using gitlab::TokenKind;
  gitlab::Inventory inv = sample();
  inv.accounts.push_back({{11, "sec/app", "App", TokenKind::kProject},
                          {resourceToken(7, "deploy-token", "2026-12-05", 40),
                           resourceToken(8, "registry", "2027-02-01", 30, {"read_registry", "write_registry"})}});
  inv.accounts.push_back({{12, "sec/tools", "Tools", TokenKind::kProject}, {resourceToken(9, "bot", std::nullopt, 20)}});
  inv.accounts.push_back({{40, "sec", "Security", TokenKind::kGroup},
                          {resourceToken(10, "deploy-token", "2026-11-30", 50, {"read_api"})}});
  return inv;
}

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

// Today's rows, exactly: service-account tokens only.
TEST(StatusFormat, PersonalRowsAsEver) {
  auto rows = statusRows(sample(), kToday, 30, {});
  EXPECT_EQ(statusText(rows),
            R"(account        token                                               id  scopes  expires     days left  last used  state
-------------  --------------------------------------------------  --  ------  ----------  ---------  ---------  --------
deploy-bot     nightly                                             5   api     2026-11-28  0          never      expired
inventory-bot  GitLab Security Service - Architecture - Inventory  1   api     2026-12-03  5          never      expiring
deploy-bot     registry                                            3   api     2026-12-10  12         never      expiring
docs-bot       pages                                               6   api     2027-06-01  185        never      ok
deploy-bot     forever                                             4   api     never       -          never      ok
)");
}

// A project or group token's row names the kind and the full path, and its role after the scopes.
TEST(StatusFormat, ProjectAndGroupRowsNameTheirKindAndPath) {
  auto rows = statusRows(mixedSample(), kToday, 30, {});
  EXPECT_EQ(statusText(rows),
            R"(owner              token                                               id  scopes                                    expires     days left  last used  state
-----------------  --------------------------------------------------  --  ----------------------------------------  ----------  ---------  ---------  --------
deploy-bot         nightly                                             5   api                                       2026-11-28  0          never      expired
group sec          deploy-token                                        10  read_api · Owner                          2026-11-30  2          never      expiring
inventory-bot      GitLab Security Service - Architecture - Inventory  1   api                                       2026-12-03  5          never      expiring
project sec/app    deploy-token                                        7   api · Maintainer                          2026-12-05  7          never      expiring
deploy-bot         registry                                            3   api                                       2026-12-10  12         never      expiring
project sec/app    registry                                            8   read_registry,write_registry · Developer  2027-02-01  65         never      ok
docs-bot           pages                                               6   api                                       2027-06-01  185        never      ok
deploy-bot         forever                                             4   api                                       never       -          never      ok
project sec/tools  bot                                                 9   api · Reporter                            never       -          never      ok
)");
  EXPECT_EQ(statusSummary(countRows(rows), 30),
            "9 tokens on 3 service accounts, 2 projects and 1 group: 1 expired, 4 expiring within 30 days");
}

TEST(StatusFormat, SummaryCountsOnlyTheKindsPresent) {
  StatusCounts c;
  c.tokens = 2;
  c.projects = 1;
  EXPECT_EQ(statusSummary(c, 30), "2 tokens on 1 project: all fine");
  c.groups = 2;
  EXPECT_EQ(statusSummary(c, 30), "2 tokens on 1 project and 2 groups: all fine");
  c.accounts = 1;
  c.tokens = 1;
  c.expired = 1;
  EXPECT_EQ(statusSummary(c, 30), "1 token on 1 service account, 1 project and 2 groups: 1 expired");
  EXPECT_EQ(statusSummary(StatusCounts{}, 30), "0 tokens on 0 service accounts");
}

// The same owner name under two kinds is two owners; the same project on two rows is one.
TEST(StatusRows, OwnersAreCountedByKindAndPath) {
  gitlab::Inventory inv;
  inv.accounts.push_back({{1, "ops", "", gitlab::TokenKind::kPersonal}, {token(1, "a", "2027-06-01")}});
  inv.accounts.push_back({{2, "ops", "", gitlab::TokenKind::kGroup},
                          {resourceToken(2, "a", "2027-06-01", 50), resourceToken(3, "b", "2027-06-01", 50)}});
  auto counts = countRows(statusRows(inv, kToday, 30, {}));
  EXPECT_EQ(counts.accounts, 1);
  EXPECT_EQ(counts.groups, 1);
  EXPECT_EQ(counts.projects, 0);
  EXPECT_EQ(statusSummary(counts, 30), "3 tokens on 1 service account and 1 group: all fine");
}

// QUERY matches a project's or group's path, the owner as shown, and the TOKEN forms.
TEST(StatusRows, QueryMatchesPathsKindsAndTokenForms) {
  auto ids = [](const std::string& query) {
    StatusFilter f;
    f.query = query;
    std::vector<int64_t> out;
    for (const auto& r : statusRows(mixedSample(), kToday, 30, f)) out.push_back(r.tokenId);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids("sec/app"), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(ids("SEC/APP/deploy"), (std::vector<int64_t>{7}));
  EXPECT_EQ(ids("project:sec/app/deploy-token"), (std::vector<int64_t>{7}));
  EXPECT_EQ(ids("project sec/tools"), (std::vector<int64_t>{9}));
  EXPECT_EQ(ids("group:sec/"), (std::vector<int64_t>{10}));
  EXPECT_EQ(ids("group"), (std::vector<int64_t>{10}));
  EXPECT_EQ(ids("project:"), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(ids("deploy-token"), (std::vector<int64_t>{7, 10}));
  // "sec" is in three paths and in the name "GitLab Security Service - …".
  EXPECT_EQ(ids("sec"), (std::vector<int64_t>{1, 7, 8, 9, 10}));
  EXPECT_EQ(ids("deploy-bot/registry"), (std::vector<int64_t>{3})) << "ACCOUNT/NAME as before";
  EXPECT_EQ(ids("registry"), (std::vector<int64_t>{3, 8}));
}

// In Slack the first column is "owner" (clipped at 40, not 24) once a project or group is in the
// table, and a long scope list is clipped before the role, which stays.
TEST(StatusFormat, SlackTableKeepsPathsAndRoles) {
  auto mixed = statusTable(statusRows(mixedSample(), kToday, 30, {}));
  EXPECT_EQ(mixed.columns[0], "owner");
  EXPECT_EQ(mixed.maxWidths[0], 40u);
  std::map<std::string, std::vector<std::string>> byId;
  for (const auto& row : mixed.rows) byId[row[2]] = row;
  EXPECT_EQ(byId["7"][0], "project sec/app");
  EXPECT_EQ(byId["7"][3], "api \xC2\xB7 Maintainer");
  EXPECT_EQ(byId["8"][3], "read_regist\xE2\x80\xA6 \xC2\xB7 Developer") << "24 code points, the role kept";
  EXPECT_EQ(byId["10"][0], "group sec");
  EXPECT_EQ(byId["10"][3], "read_api \xC2\xB7 Owner");
  EXPECT_EQ(byId["1"][0], "inventory-bot");
  EXPECT_EQ(byId["1"][3], "api");

  auto personal = statusTable(statusRows(sample(), kToday, 30, {}));
  EXPECT_EQ(personal.columns[0], "account");
  EXPECT_EQ(personal.maxWidths[0], 24u);

  auto messages = statusMessages(statusRows(mixedSample(), kToday, 30, {}), 30, {});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].blocks[0]["text"]["text"], "GitLab access tokens");
  EXPECT_EQ(statusMessages(statusRows(sample(), kToday, 30, {}), 30, {})[0].blocks[0]["text"]["text"],
            "GitLab service-account tokens");
  EXPECT_EQ(statusMessages({}, 30, {})[0].text, "No tokens match.");
}

// `patbot scan --json`: every token names its kind; a project or group token has its path as
// "account" and its role as "access_level".
TEST(StatusJson, RowsNameKindAndAccessLevel) {
  StatusFilter f;
  f.query = "deploy-token";
  auto rows = statusRows(mixedSample(), kToday, 30, f);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(statusRowJson(rows[0]).dump(),
            R"({"access_level":50,"account":"sec","days_left":2,"expires_at":"2026-11-30","kind":"group",)"
            R"("last_used_at":null,"scopes":["read_api"],"state":"expiring","token_id":10,"token_name":"deploy-token"})");
  EXPECT_EQ(statusRowJson(rows[1]).dump(),
            R"({"access_level":40,"account":"sec/app","days_left":7,"expires_at":"2026-12-05","kind":"project",)"
            R"("last_used_at":null,"scopes":["api"],"state":"expiring","token_id":7,"token_name":"deploy-token"})");
  f.query = "forever";
  EXPECT_EQ(statusRowJson(statusRows(mixedSample(), kToday, 30, f).at(0)).dump(),
            R"({"access_level":null,"account":"deploy-bot","days_left":null,"expires_at":null,"kind":"personal",)"
            R"("last_used_at":null,"scopes":["api"],"state":"ok","token_id":4,"token_name":"forever"})");
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
