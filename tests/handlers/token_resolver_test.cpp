// resolveToken: TOKEN as SPEC §4 takes it — a numeric id, ACCOUNT/NAME, project:PATH/NAME or
// group:PATH/NAME — against an inventory, and the sentence the user reads when it names no token or
// several.
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

gitlab::TokenOwner owner(int64_t id, std::string path, gitlab::TokenKind kind) {
  return {id, std::move(path), "", kind};
}

// inventory() and project and group owners beside the service accounts. Project sec/app has id 11,
// as deploy-bot has: owner ids are per kind. Projects a/b and a/b/c nest: "project:a/b/c/x" may
// split at either. Group sec holds a "registry" as deploy-bot does.
gitlab::Inventory mixedInventory() {
  using gitlab::TokenKind;
  gitlab::Inventory inv = inventory();
  inv.accounts.push_back({owner(11, "sec/app", TokenKind::kProject),
                          {token(201, "deploy-token", "2026-12-20"), token(202, "ci/read", "2027-01-01"),
                           token(203, "old", "2026-01-01", true), token(204, "shared", "2026-12-10"),
                           token(205, "shared", std::nullopt)}});
  inv.accounts.push_back({owner(30, "a/b", TokenKind::kProject),
                          {token(301, "other", "2027-01-01"), token(302, "c/dup", "2027-01-02"),
                           token(303, "c/only-ab", "2027-01-03")}});
  inv.accounts.push_back({owner(31, "a/b/c", TokenKind::kProject),
                          {token(401, "name", "2027-01-04"), token(402, "dup", "2027-01-05")}});
  inv.accounts.push_back({owner(40, "sec", TokenKind::kGroup), {token(501, "deploy-token", "2027-02-01")}});
  inv.accounts.push_back({owner(41, "sec/platform", TokenKind::kGroup), {token(502, "registry", "2027-02-02")}});
  inv.accounts.push_back({owner(42, "empty", TokenKind::kGroup), {token(503, "gone", "2026-01-01", true)}});
  return inv;
}

// What resolving `text` against inventory() gives: "ACCOUNT ID" of the token, or the error as
// "<kind>: <message>".
std::string resolved(const std::string& text) {
  auto r = resolveToken(inventory(), text);
  return r ? r->account.username + " " + std::to_string(r->token.id) : outcomeOf(r);
}

// The same against mixedInventory(): "OWNER ID" with the owner as people read it ("project a/b").
std::string resolvedMixed(const std::string& text) {
  auto r = resolveToken(mixedInventory(), text);
  return r ? r->account.label() + " " + std::to_string(r->token.id) : outcomeOf(r);
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
  EXPECT_EQ(resolved("999"), "not_found: no token patbot watches has id 999 (see `/pat status --all`)");
}

// Numbers that are no id (zero, negative, too large, with trailing text) are neither an id nor
// ACCOUNT/NAME.
TEST(TokenResolverTest, WhatIsNeitherAnIdNorAccountSlashNameIsInvalid) {
  for (const std::string text : {"0", "-104", "104abc", "99999999999999999999", "registry", " 104", "/registry",
                                  "deploy-bot/", "Project:sec"}) {
    EXPECT_EQ(resolved(text), "invalid_input: \"" + text +
                                  "\" is not a TOKEN: give a token id, ACCOUNT/NAME, project:PATH/NAME or "
                                  "group:PATH/NAME (e.g. deploy-bot/registry)");
  }
  EXPECT_EQ(resolved(""),
            "invalid_input: which token? Give a token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME");
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
            "not_found: no token patbot watches has id 104 (see `/pat status --all`)");
  EXPECT_EQ(outcomeOf(resolveToken(gitlab::Inventory{}, "project:sec/app/deploy-token")),
            "not_found: project sec/app is not watched by patbot: add it to a [[token]] entry or [watch] projects");
  EXPECT_EQ(outcomeOf(resolveToken(gitlab::Inventory{}, "deploy-bot/registry")),
            "not_found: no service account is called \"deploy-bot\"");
}

// Ids are unique across kinds: an id names a project or group token as it names a personal one.
TEST(TokenResolverTest, AnIdNamesAProjectOrGroupTokenWithItsOwner) {
  auto r = resolveToken(mixedInventory(), "201");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->account.kind, gitlab::TokenKind::kProject);
  EXPECT_EQ(r->account.id, 11);
  EXPECT_EQ(r->account.username, "sec/app");
  EXPECT_EQ(r->token.name, "deploy-token");
  EXPECT_EQ(resolvedMixed("501"), "group sec 501");
  EXPECT_EQ(resolvedMixed("203"), "project sec/app 203") << "an id names a revoked token too";
  EXPECT_EQ(resolvedMixed("104"), "deploy-bot 104");
}

TEST(TokenResolverTest, ProjectAndGroupFormsNameTheirTokens) {
  EXPECT_EQ(resolvedMixed("project:sec/app/deploy-token"), "project sec/app 201");
  EXPECT_EQ(resolvedMixed("project:sec/app/ci/read"), "project sec/app 202") << "the name may hold '/'";
  EXPECT_EQ(resolvedMixed("group:sec/deploy-token"), "group sec 501");
  EXPECT_EQ(resolvedMixed("group:sec/platform/registry"), "group sec/platform 502");
}

// Both a/b and a/b/c are watched: "project:a/b/c/NAME" is a/b/c's NAME when a/b/c has one, else
// a/b's "c/NAME"; when both have theirs the text is ambiguous and the ids are listed.
TEST(TokenResolverTest, NestedProjectPathsSplitWhereATokenOfThatNameIs) {
  EXPECT_EQ(resolvedMixed("project:a/b/c/name"), "project a/b/c 401");
  EXPECT_EQ(resolvedMixed("project:a/b/c/only-ab"), "project a/b 303");
  EXPECT_EQ(resolvedMixed("project:a/b/other"), "project a/b 301");
  EXPECT_EQ(resolvedMixed("project:a/b/c/dup"),
            "conflict: \"project:a/b/c/dup\" names 2 tokens: id 402 (project a/b/c \xC2\xB7 dup, expires 2027-01-05), "
            "id 302 (project a/b \xC2\xB7 c/dup, expires 2027-01-02). Give the id instead.");
  EXPECT_EQ(resolvedMixed("project:a/b/c/nothing"),
            "not_found: project a/b/c has no unrevoked token named \"nothing\" (it has \"name\" and \"dup\")")
      << "the longest watched path is the one named";
}

TEST(TokenResolverTest, AnUnwatchedProjectOrGroupSaysHowToWatchIt) {
  EXPECT_EQ(resolvedMixed("project:sec/ap/deploy-token"),
            "not_found: project sec/ap is not watched by patbot: add it to a [[token]] entry or [watch] projects");
  EXPECT_EQ(resolvedMixed("group:ops/deploy-token"),
            "not_found: group ops is not watched by patbot: add it to a [[token]] entry or [watch] groups");
  // Kinds never cross: group sec is no project, project sec/app no group.
  EXPECT_EQ(resolvedMixed("project:sec/deploy-token"),
            "not_found: project sec is not watched by patbot: add it to a [[token]] entry or [watch] projects");
  EXPECT_EQ(resolvedMixed("group:sec/app/deploy-token"),
            "not_found: group sec has no unrevoked token named \"app/deploy-token\" (it has \"deploy-token\")");
}

TEST(TokenResolverTest, AMissingNameListsTheNamesTheOwnerHas) {
  EXPECT_EQ(resolvedMixed("project:sec/app/deplo"),
            "not_found: project sec/app has no unrevoked token named \"deplo\" (it has \"deploy-token\", "
            "\"ci/read\" and \"shared\")");
  EXPECT_EQ(resolvedMixed("project:sec/app/old"),
            "not_found: project sec/app has no unrevoked token named \"old\" (it has \"deploy-token\", "
            "\"ci/read\" and \"shared\")")
      << "a revoked token is not offered";
  EXPECT_EQ(resolvedMixed("group:empty/gone"),
            "not_found: group empty has no unrevoked token named \"gone\" (it has none)");

  gitlab::Inventory many;
  many.accounts.push_back({owner(50, "big/many", gitlab::TokenKind::kProject), {}});
  for (int i = 0; i < 12; ++i) many.accounts[0].tokens.push_back(token(600 + i, "t" + std::to_string(i), "2027-01-01"));
  EXPECT_EQ(outcomeOf(resolveToken(many, "project:big/many/x")),
            "not_found: project big/many has no unrevoked token named \"x\" (it has \"t0\", \"t1\", \"t2\", "
            "\"t3\", \"t4\", \"t5\", \"t6\", \"t7\", \"t8\", \"t9\" and 2 more)");
}

TEST(TokenResolverTest, AnAmbiguousProjectTokenNameListsItsIds) {
  EXPECT_EQ(resolvedMixed("project:sec/app/shared"),
            "conflict: project sec/app has 2 tokens named \"shared\": id 204 (expires 2026-12-10), id 205 (expires "
            "never). Give the id instead.");
}

TEST(TokenResolverTest, AProjectOrGroupFormWithoutPathAndNameIsInvalid) {
  for (const std::string text : {"project:", "project:sec", "project:/deploy-token", "project:sec/app/"}) {
    EXPECT_EQ(resolvedMixed(text),
              "invalid_input: \"" + text + "\" is not project:PATH/NAME (e.g. project:sec/app/deploy-token)");
  }
  EXPECT_EQ(resolvedMixed("group:sec"),
            "invalid_input: \"group:sec\" is not group:PATH/NAME (e.g. group:sec/deploy-token)");
}

// ACCOUNT/NAME means a service account only; when its first part starts a watched project's or
// group's path, the error says how to write that token.
TEST(TokenResolverTest, AccountSlashNameNeverNamesAProjectOrGroupToken) {
  EXPECT_EQ(resolvedMixed("deploy-bot/registry"), "deploy-bot 104");
  EXPECT_EQ(resolvedMixed("sec/deploy-token"),
            "not_found: no service account is called \"sec\" (for group sec write group:sec/deploy-token)");
  EXPECT_EQ(resolvedMixed("sec/app/deploy-token"),
            "not_found: no service account is called \"sec\" (for project sec/app write project:sec/app/deploy-token)");
  EXPECT_EQ(resolvedMixed("a/b/c/name"),
            "not_found: no service account is called \"a\" (for project a/b/c write project:a/b/c/name)");
  EXPECT_EQ(resolvedMixed("nobody/registry"), "not_found: no service account is called \"nobody\"");
}

}  // namespace
}  // namespace patbot::handlers
