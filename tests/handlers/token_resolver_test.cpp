// resolveToken: TOKEN as SPEC §4 takes it — a numeric id, or ACCOUNT/NAME — against an inventory,
// and the sentence the user reads when it names no token or several.
#include "handlers/token_resolver.h"

#include <gtest/gtest.h>

#include "tests/support/outcome.h"

namespace patbot::handlers {
namespace {

using patbot::testing::outcomeOf;

const std::string kHostileName = "<!channel> \"deploy\" key/`v2`";

gitlab::AccessToken token(int64_t id, std::string name, std::optional<std::string> expires, bool revoked = false) {
  gitlab::AccessToken t;
  t.id = id;
  t.name = std::move(name);
  t.revoked = revoked;
  t.active = !revoked;
  if (expires) t.expiresAt = *parseDate(*expires);
  return t;
}

// deploy-bot: "registry" (104, and a revoked 105 of the same name), "ci/deploy key" (a name with
// a slash and a space), two unrevoked "shared" tokens, a revoked "old" and a hostile name;
// backup-bot: an expired "nightly" and its own "registry".
gitlab::Inventory inventory() {
  gitlab::Inventory inv;
  inv.accounts.push_back({{11, "deploy-bot", "Deploy"},
                          {token(104, "registry", "2026-12-10"), token(105, "registry", "2026-01-01", true),
                           token(106, "ci/deploy key", "2027-01-01"), token(108, "shared", "2026-12-10"),
                           token(109, "shared", std::nullopt), token(110, "old", "2026-05-01", true),
                           token(111, kHostileName, "2027-02-01")}});
  auto expired = token(107, "nightly", "2026-03-01");
  expired.active = false;
  inv.accounts.push_back({{12, "backup-bot", "Backup"}, {expired, token(112, "registry", "2027-03-01")}});
  return inv;
}

// What resolving `text` against inventory() gives: "ACCOUNT ID" of the token, or the error as
// "<kind>: <message>".
std::string resolved(const std::string& text) {
  auto r = resolveToken(inventory(), text);
  return r ? r->account.username + " " + std::to_string(r->token.id) : outcomeOf(r);
}

TEST(TokenResolverTest, AnIdNamesThatTokenWithItsAccount) {
  auto r = resolveToken(inventory(), "104");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->account.id, 11);
  EXPECT_EQ(r->account.username, "deploy-bot");
  EXPECT_EQ(r->token.id, 104);
  EXPECT_EQ(r->token.name, "registry");
  EXPECT_EQ(resolved("112"), "backup-bot 112");
}

// An id is exact, so it names a token whatever its state; only names skip revoked tokens.
TEST(TokenResolverTest, AnIdNamesRevokedAndExpiredTokensToo) {
  EXPECT_EQ(resolved("105"), "deploy-bot 105");
  EXPECT_EQ(resolved("107"), "backup-bot 107");
  EXPECT_EQ(resolved("0104"), "deploy-bot 104") << "leading zeros are still the id";
}

TEST(TokenResolverTest, AnUnknownIdIsNotFoundAndPointsAtTheFullList) {
  EXPECT_EQ(resolved("999"), "not_found: no service-account token has id 999 (see `/pat status --all`)");
}

// Numbers that are no id (zero, negative, too large, with trailing text) are neither an id nor
// ACCOUNT/NAME.
TEST(TokenResolverTest, WhatIsNeitherAnIdNorAccountSlashNameIsInvalid) {
  for (const std::string text : {"0", "-104", "104abc", "99999999999999999999", "registry", " 104", "/registry",
                                  "deploy-bot/"}) {
    EXPECT_EQ(resolved(text),
              "invalid_input: \"" + text + "\" is neither a token id nor ACCOUNT/NAME (e.g. deploy-bot/registry)");
  }
  EXPECT_EQ(resolved(""), "invalid_input: which token? Give a token id or ACCOUNT/NAME");
}

TEST(TokenResolverTest, ANameSkipsRevokedTokensAndStaysWithinItsAccount) {
  EXPECT_EQ(resolved("deploy-bot/registry"), "deploy-bot 104");
  EXPECT_EQ(resolved("backup-bot/registry"), "backup-bot 112");
}

TEST(TokenResolverTest, ANameMatchesAnExpiredTokenThatIsNotRevoked) {
  EXPECT_EQ(resolved("backup-bot/nightly"), "backup-bot 107");
}

// The account ends at the first '/': the rest, slashes and spaces included, is the name.
TEST(TokenResolverTest, TheNameIsEverythingAfterTheFirstSlash) {
  EXPECT_EQ(resolved("deploy-bot/ci/deploy key"), "deploy-bot 106");
  EXPECT_EQ(resolved("deploy-bot/ci"),
            "not_found: deploy-bot has no unrevoked token named \"ci\" (see `/pat status deploy-bot`)");
}

TEST(TokenResolverTest, AHostileNameResolvesByExactlyThoseBytes) {
  EXPECT_EQ(resolved("deploy-bot/" + kHostileName), "deploy-bot 111");
  EXPECT_EQ(resolved("deploy-bot/<!channel>"),
            "not_found: deploy-bot has no unrevoked token named \"<!channel>\" (see `/pat status deploy-bot`)")
      << "the resolver quotes the name as typed; escaping it is the message builder's job";
}

TEST(TokenResolverTest, ANameThatOnlyRevokedTokensCarryIsNotFound) {
  EXPECT_EQ(resolved("deploy-bot/old"),
            "not_found: deploy-bot has no unrevoked token named \"old\" (see `/pat status deploy-bot`)");
  EXPECT_EQ(resolved("deploy-bot/Registry"),
            "not_found: deploy-bot has no unrevoked token named \"Registry\" (see `/pat status deploy-bot`)")
      << "names are compared exactly";
}

TEST(TokenResolverTest, AnUnknownAccountIsNamed) {
  EXPECT_EQ(resolved("nobody/registry"), "not_found: no service account is called \"nobody\"");
}

TEST(TokenResolverTest, AnAmbiguousNameListsEveryMatchWithItsExpiry) {
  EXPECT_EQ(resolved("deploy-bot/shared"),
            "conflict: deploy-bot has 2 tokens named \"shared\": id 108 (expires 2026-12-10), id 109 (expires "
            "never). Give the id instead.");
  EXPECT_EQ(resolved("109"), "deploy-bot 109") << "the id the message offers resolves";
}

TEST(TokenResolverTest, AnEmptyInventoryKnowsNoToken) {
  EXPECT_EQ(outcomeOf(resolveToken(gitlab::Inventory{}, "104")),
            "not_found: no service-account token has id 104 (see `/pat status --all`)");
  EXPECT_EQ(outcomeOf(resolveToken(gitlab::Inventory{}, "deploy-bot/registry")),
            "not_found: no service account is called \"deploy-bot\"");
}

}  // namespace
}  // namespace patbot::handlers
