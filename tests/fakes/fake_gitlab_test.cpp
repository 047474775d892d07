// FakeGitLab against reference/gitlab-api.md, through handle() (no server). Token values are
// compared, never printed: assertions on them use EXPECT_TRUE so a failure shows no value.
#include "sim/fake_gitlab.h"

#include <cstdlib>
#include <fstream>
#include <future>
#include <set>

#include <gtest/gtest.h>

#include "sim/seeds.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kHost = "gitlab.test";

class FakeGitLabTest : public ::testing::Test {
 protected:
  FakeClock clock{TimePoint(Date(std::chrono::year(2025) / 6 / 1)) + 10h};
  Date today = utcDay(clock.now());
  json seed = demoSeed(today);
  std::unique_ptr<FakeGitLab> gl;

  void SetUp() override { use(seed); }
  void use(const json& s) {
    seed = s;
    gl = std::make_unique<FakeGitLab>(s, clock, &clock);
  }

  std::string valueOf(int64_t tokenId) const {
    json st = gl->state();
    for (const auto& t : st["tokens"]) {
      if (t["id"] == tokenId) return t["value"];
    }
    return "";
  }
  std::string admin() const { return adminTokenOf(seed); }
  std::string owner() const { return groupOwnerTokenOf(seed); }

  http::Response call(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "", const std::string& query = "",
                      const std::string& contentType = "application/json") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.headers["host"] = kHost;
    if (!body.empty()) r.headers["content-type"] = contentType;
    if (!token.empty()) r.headers["private-token"] = token;
    return gl->handle(r);
  }
  static json parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }
};

std::string hdr(const http::Response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "<absent>" : it->second;
}

// --- pagination -------------------------------------------------------------------------------

TEST_F(FakeGitLabTest, PaginationHeadersAreExact) {
  use(generatedSeed(1, 45, today, false));   // service account 1001 owns 45 tokens
  std::string base = "http://gitlab.test/api/v4/personal_access_tokens?";
  auto url = [&](int page) {
    return "<" + base + "page=" + std::to_string(page) + "&per_page=20&user_id=1001>";
  };

  auto p1 = call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=1001&per_page=20");
  ASSERT_EQ(p1.status, 200);
  EXPECT_EQ(parse(p1).size(), 20u);
  EXPECT_EQ(hdr(p1, "x-page"), "1");
  EXPECT_EQ(hdr(p1, "x-per-page"), "20");
  EXPECT_EQ(hdr(p1, "x-next-page"), "2");
  EXPECT_EQ(hdr(p1, "x-prev-page"), "");
  EXPECT_EQ(hdr(p1, "x-total"), "45");
  EXPECT_EQ(hdr(p1, "x-total-pages"), "3");
  EXPECT_EQ(hdr(p1, "link"), url(2) + "; rel=\"next\", " + url(1) + "; rel=\"first\", " + url(3) + "; rel=\"last\"");

  auto p2 = call("GET", "/api/v4/personal_access_tokens", admin(), "", "per_page=20&page=2&user_id=1001");
  EXPECT_EQ(hdr(p2, "x-prev-page"), "1");
  EXPECT_EQ(hdr(p2, "x-next-page"), "3");
  EXPECT_EQ(hdr(p2, "link"), url(1) + "; rel=\"prev\", " + url(3) + "; rel=\"next\", " + url(1) +
                                 "; rel=\"first\", " + url(3) + "; rel=\"last\"");

  auto p3 = call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=1001&per_page=20&page=3");
  EXPECT_EQ(parse(p3).size(), 5u);
  EXPECT_EQ(hdr(p3, "x-next-page"), "");
  EXPECT_EQ(hdr(p3, "x-prev-page"), "2");
  EXPECT_EQ(hdr(p3, "link"), url(2) + "; rel=\"prev\", " + url(1) + "; rel=\"first\", " + url(3) + "; rel=\"last\"");

  auto past = call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=1001&per_page=20&page=9");
  EXPECT_EQ(past.status, 200);
  EXPECT_EQ(past.body, "[]");
  EXPECT_EQ(hdr(past, "x-prev-page"), "");
  EXPECT_EQ(hdr(past, "x-next-page"), "");

  auto clamped = call("GET", "/api/v4/personal_access_tokens", admin(), "", "per_page=500");
  EXPECT_EQ(hdr(clamped, "x-per-page"), "100");
  EXPECT_EQ(hdr(clamped, "x-total"), "47");
  EXPECT_EQ(hdr(clamped, "x-next-page"), "");

  // Default order is id ascending; the ids of the three pages are all distinct.
  std::set<int64_t> ids;
  int64_t last = 0;
  for (const auto& p : {p1, p2, p3}) {
    for (const auto& t : parse(p)) {
      EXPECT_GT(t["id"].get<int64_t>(), last);
      last = t["id"];
      ids.insert(last);
    }
  }
  EXPECT_EQ(ids.size(), 45u);
}

// --- authentication and visibility ------------------------------------------------------------

TEST_F(FakeGitLabTest, BadCredentialsGetTheReferenceBodies) {
  auto none = call("GET", "/api/v4/personal_access_tokens/self", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(parse(none), json({{"message", "401 Unauthorized"}}));
  auto unknown = call("GET", "/api/v4/personal_access_tokens/self", "glpat-nope-nope-nope-nope");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(parse(unknown), json({{"message", "401 Unauthorized"}}));

  auto revoked = call("GET", "/api/v4/personal_access_tokens/self", valueOf(104));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(parse(revoked), json({{"error", "invalid_token"},
                                  {"error_description", "Token was revoked. You have to re-authorize from the user."}}));
  EXPECT_NE(hdr(revoked, "www-authenticate"), "<absent>");

  auto expired = call("GET", "/api/v4/personal_access_tokens/self", valueOf(106));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(parse(expired),
            json({{"error", "invalid_token"},
                  {"error_description", "Token is expired. You can either do re-authorization or token refresh."}}));

  // Bearer and private_token work like PRIVATE-TOKEN.
  http::Request bearer{"GET", "/api/v4/personal_access_tokens/self", "", {{"authorization", "Bearer " + admin()}}, "", ""};
  EXPECT_EQ(gl->handle(bearer).status, 200);
  auto viaQuery = call("GET", "/api/v4/personal_access_tokens/self", "", "", "private_token=" + admin());
  EXPECT_EQ(viaQuery.status, 200);
  EXPECT_EQ(parse(viaQuery)["id"], 1);
}

TEST_F(FakeGitLabTest, ScopesGateReadsAndWrites) {
  std::string readOnly = valueOf(102);   // read_api, inventory-bot
  std::string registry = valueOf(103);   // read_registry + write_registry
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens", readOnly).status, 200);
  auto write = call("POST", "/api/v4/personal_access_tokens/102/rotate", readOnly);
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(parse(write)["error"], "insufficient_scope");
  EXPECT_EQ(parse(write)["scope"], "api");
  auto read = call("GET", "/api/v4/personal_access_tokens", registry);
  EXPECT_EQ(read.status, 403);
  EXPECT_EQ(parse(read), json({{"error", "insufficient_scope"},
                               {"error_description",
                                "The request requires higher privileges than provided by the access token."},
                               {"scope", "api read_api"}}));
  auto self = call("GET", "/api/v4/personal_access_tokens/self", registry);
  EXPECT_EQ(self.status, 200);   // any scope
  EXPECT_EQ(parse(self)["id"], 103);
}

TEST_F(FakeGitLabTest, AdminOwnerAndPlainUserSeeDifferentThings) {
  auto all = call("GET", "/api/v4/personal_access_tokens", admin(), "", "per_page=100");
  EXPECT_EQ(parse(all).size(), seed["tokens"].size());

  auto own = parse(call("GET", "/api/v4/personal_access_tokens", owner()));
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0]["id"], 2);

  auto foreign = call("GET", "/api/v4/personal_access_tokens", owner(), "", "user_id=10");
  EXPECT_EQ(foreign.status, 401);
  EXPECT_EQ(parse(foreign), json({{"message", "401 Unauthorized"}}));
  auto noUser = call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=9999");
  EXPECT_EQ(noUser.status, 404);
  EXPECT_EQ(parse(noUser), json({{"message", "404 Not Found"}}));
  auto byUser = parse(call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=10"));
  EXPECT_EQ(byUser.size(), 2u);

  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/101", owner()).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/101", admin()).status, 200);
  auto missing = call("GET", "/api/v4/personal_access_tokens/99999", admin());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parse(missing), json({{"message", "404 Not Found"}}));
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/99999", owner()).status, 401);

  auto sas = call("GET", "/api/v4/service_accounts", owner());
  EXPECT_EQ(sas.status, 403);
  EXPECT_EQ(parse(sas), json({{"message", "403 Forbidden"}}));
  auto list = parse(call("GET", "/api/v4/service_accounts", admin()));
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0]["id"], 14);   // sort defaults to desc
  EXPECT_EQ(list[0]["username"], "docs-bot");
  auto asc = parse(call("GET", "/api/v4/service_accounts", admin(), "", "order_by=username&sort=asc"));
  EXPECT_EQ(asc[0]["username"], "backup-bot");

  // Group service accounts: the group owner may, a plain user may not.
  json s = seed;
  s["users"].push_back({{"id", 3}, {"username", "dev"}, {"admin", false}});
  s["tokens"].push_back({{"id", 900}, {"user_id", 3}, {"name", "dev"}, {"scopes", {"api"}},
                         {"expires_at", formatDate(today + std::chrono::days(30))}, {"value", "glpat-test-dev-000000001"}});
  use(s);
  std::string dev = "glpat-test-dev-000000001";
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/sec/service_accounts", owner())).size(), 5u);
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265/service_accounts", admin())).size(), 5u);
  EXPECT_EQ(call("GET", "/api/v4/groups/265/service_accounts", dev).status, 403);
  auto noGroup = call("GET", "/api/v4/groups/999/service_accounts", owner());
  EXPECT_EQ(noGroup.status, 404);
  EXPECT_EQ(parse(noGroup), json({{"message", "404 Group Not Found"}}));
  auto saTokens = call("GET", "/api/v4/groups/265/service_accounts/10/personal_access_tokens", owner());
  EXPECT_EQ(saTokens.status, 200);
  EXPECT_EQ(parse(saTokens).size(), 2u);
  auto notMember = call("GET", "/api/v4/groups/265/service_accounts/1/personal_access_tokens", owner());
  EXPECT_EQ(notMember.status, 404);
  EXPECT_EQ(parse(notMember), json({{"message", "404 User Not Found"}}));
  auto active = parse(call("GET", "/api/v4/groups/sec/service_accounts/11/personal_access_tokens", owner(), "",
                           "state=active"));
  ASSERT_EQ(active.size(), 2u);   // old-deploy is revoked
  for (const auto& t : active) EXPECT_TRUE(t["active"].get<bool>());
}

// Admin Mode (reference/gitlab-api.md §1.2): an administrator's token without the admin_mode scope
// gets a non-admin's answers; with the scope, or with Admin Mode off, an admin's.
TEST_F(FakeGitLabTest, AdminModeTreatsAnAdminTokenWithoutTheScopeAsANonAdmin) {
  json s = seed;
  s["admin_mode"] = true;
  s["tokens"].push_back({{"id", 901}, {"user_id", 1}, {"name", "admin-mode"}, {"scopes", {"api", "admin_mode"}},
                         {"expires_at", formatDate(today + std::chrono::days(30))},
                         {"value", "glpat-test-adminmode-000001"}});
  use(s);
  const std::string withScope = "glpat-test-adminmode-000001";
  EXPECT_EQ(gl->state()["admin_mode"], true);

  auto sas = call("GET", "/api/v4/service_accounts", admin());
  EXPECT_EQ(sas.status, 403);
  EXPECT_EQ(parse(sas), json({{"message", "403 Forbidden"}}));
  auto foreign = call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=10");
  EXPECT_EQ(foreign.status, 401);
  EXPECT_EQ(parse(foreign), json({{"message", "401 Unauthorized"}}));
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/101", admin()).status, 401);
  EXPECT_EQ(call("POST", "/api/v4/users/10/personal_access_tokens", admin(), R"({"name":"x","scopes":["api"]})").status,
            403);
  EXPECT_EQ(call("DELETE", "/api/v4/personal_access_tokens/101", admin()).status, 400);
  auto self = call("GET", "/api/v4/personal_access_tokens/self", admin());
  EXPECT_EQ(self.status, 200);
  EXPECT_EQ(parse(self)["scopes"], json({"api"}));

  EXPECT_EQ(call("GET", "/api/v4/service_accounts", withScope).status, 200);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens", withScope, "", "user_id=10").status, 200);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/101", withScope).status, 200);

  s["admin_mode"] = false;
  use(s);
  EXPECT_EQ(call("GET", "/api/v4/service_accounts", admin()).status, 200);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens", admin(), "", "user_id=10").status, 200);
}

TEST_F(FakeGitLabTest, ListFiltersFollowTheReference) {
  auto q = [&](const std::string& query) {
    std::set<int64_t> ids;
    for (const auto& t : parse(call("GET", "/api/v4/personal_access_tokens", admin(), "", query + "&per_page=100"))) {
      ids.insert(t["id"].get<int64_t>());
    }
    return ids;
  };
  std::string in5 = formatDate(today + std::chrono::days(5));
  EXPECT_EQ(q("expires_before=" + in5), (std::set<int64_t>{106}));            // strict <
  EXPECT_TRUE(q("expires_after=" + in5).count(101));                           // >=
  EXPECT_EQ(q("state=inactive"), (std::set<int64_t>{104, 106}));               // revoked or expired
  EXPECT_EQ(q("revoked=true"), (std::set<int64_t>{104}));
  EXPECT_EQ(q("search=INVENTORY"), (std::set<int64_t>{101, 102}));
  auto bad = call("GET", "/api/v4/personal_access_tokens", admin(), "", "state=bogus");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(parse(bad), json({{"error", "state does not have a valid value"}}));
  auto sorted = parse(call("GET", "/api/v4/personal_access_tokens", admin(), "", "sort=expires_asc"));
  EXPECT_EQ(sorted[0]["id"], 106);
  auto ignored = parse(call("GET", "/api/v4/personal_access_tokens", admin(), "", "sort=whatever"));
  EXPECT_EQ(ignored[0]["id"], 1);
}

// --- rotate, revoke, create ---------------------------------------------------------------------

TEST_F(FakeGitLabTest, RotateByIdRevokesTheOldTokenAndReturnsTheNewOnce) {
  std::string oldValue = valueOf(101);
  auto res = call("POST", "/api/v4/personal_access_tokens/101/rotate", admin());
  ASSERT_EQ(res.status, 200);
  auto fresh = parse(res);
  EXPECT_NE(fresh["id"], 101);
  EXPECT_EQ(fresh["name"], "GitLab Security Service - Architecture - Inventory");
  EXPECT_EQ(fresh["scopes"], json({"api"}));
  EXPECT_EQ(fresh["user_id"], 10);
  EXPECT_EQ(fresh["expires_at"], formatDate(today + std::chrono::days(7)));
  EXPECT_EQ(fresh["active"], true);
  EXPECT_EQ(fresh["revoked"], false);
  EXPECT_EQ(fresh["last_used_at"], nullptr);
  ASSERT_TRUE(fresh["token"].is_string());
  std::string newValue = fresh["token"];
  EXPECT_TRUE(newValue.rfind("glpat-", 0) == 0);
  EXPECT_TRUE(newValue != oldValue);

  auto old = parse(call("GET", "/api/v4/personal_access_tokens/101", admin()));
  EXPECT_EQ(old["revoked"], true);
  EXPECT_EQ(old["active"], false);
  EXPECT_FALSE(old.contains("token"));
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", oldValue).status, 401);
  auto self = call("GET", "/api/v4/personal_access_tokens/self", newValue);
  ASSERT_EQ(self.status, 200);
  EXPECT_EQ(parse(self)["id"], fresh["id"]);
  EXPECT_FALSE(parse(self).contains("token"));
  auto list = call("GET", "/api/v4/personal_access_tokens", admin(), "", "per_page=100");
  EXPECT_EQ(list.body.find("\"token\""), std::string::npos);
  EXPECT_EQ(list.body.find("glpat-"), std::string::npos);

  auto again = call("POST", "/api/v4/personal_access_tokens/101/rotate", admin());
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(parse(again), json({{"message", "400 Bad request - Token already revoked"}}));

  std::string max = formatDate(today + std::chrono::days(365));
  auto tooLate = call("POST", "/api/v4/personal_access_tokens/105/rotate", admin(),
                      json{{"expires_at", formatDate(today + std::chrono::days(366))}}.dump());
  EXPECT_EQ(tooLate.status, 400);
  EXPECT_EQ(parse(tooLate), json({{"message", "400 Bad request - Expiration date must be before " + max}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/personal_access_tokens/105", admin()))["active"], true);
  auto badDate = call("POST", "/api/v4/personal_access_tokens/105/rotate", admin(), R"({"expires_at":"soon"})");
  EXPECT_EQ(parse(badDate), json({{"error", "expires_at is invalid"}}));
  auto atMax = call("POST", "/api/v4/personal_access_tokens/105/rotate", admin(), "", "expires_at=" + max);
  EXPECT_EQ(atMax.status, 200);
  EXPECT_EQ(parse(atMax)["expires_at"], max);

  // Not-found / foreign ids: admin 404, non-admin 401.
  EXPECT_EQ(call("POST", "/api/v4/personal_access_tokens/424242/rotate", admin()).status, 404);
  EXPECT_EQ(call("POST", "/api/v4/personal_access_tokens/105/rotate", owner()).status, 401);
}

TEST_F(FakeGitLabTest, SelfRotateWithARevokedTokenRevokesTheWholeFamily) {
  std::string first = valueOf(108);
  auto r1 = call("POST", "/api/v4/personal_access_tokens/self/rotate", first);
  ASSERT_EQ(r1.status, 200);
  std::string second = parse(r1)["token"];
  auto r2 = call("POST", "/api/v4/personal_access_tokens/self/rotate", second);
  ASSERT_EQ(r2.status, 200);
  std::string third = parse(r2)["token"];
  ASSERT_EQ(call("GET", "/api/v4/personal_access_tokens/self", third).status, 200);

  // The response of a rotation was "lost" and the old token retried: reuse detected.
  auto reuse = call("POST", "/api/v4/personal_access_tokens/self/rotate", first);
  EXPECT_EQ(reuse.status, 401);
  EXPECT_EQ(parse(reuse)["error"], "invalid_token");
  auto killed = call("GET", "/api/v4/personal_access_tokens/self", third);
  EXPECT_EQ(killed.status, 401);
  EXPECT_EQ(parse(killed)["error_description"], "Token was revoked. You have to re-authorize from the user.");
  // Other tokens of the same account are not family.
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", valueOf(109)).status, 200);

  // A revoked token on a non-rotate path just gets 401 and kills nobody.
  std::string a = valueOf(107);
  auto ra = call("POST", "/api/v4/personal_access_tokens/self/rotate", a);
  std::string b = parse(ra)["token"];
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", a).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", b).status, 200);
}

TEST_F(FakeGitLabTest, DeleteIsIdempotentAndUnknownIdsGetLowerCaseNotFound) {
  auto d1 = call("DELETE", "/api/v4/personal_access_tokens/107", admin());
  EXPECT_EQ(d1.status, 204);
  EXPECT_TRUE(d1.body.empty());
  EXPECT_EQ(hdr(d1, "content-type"), "<absent>");
  EXPECT_EQ(call("DELETE", "/api/v4/personal_access_tokens/107", admin()).status, 204);
  EXPECT_EQ(parse(call("GET", "/api/v4/personal_access_tokens/107", admin()))["revoked"], true);
  auto unknown = call("DELETE", "/api/v4/personal_access_tokens/999999", admin());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(parse(unknown), json({{"message", "404 Not found"}}));
  auto foreign = call("DELETE", "/api/v4/personal_access_tokens/1", owner());
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(parse(foreign), json({{"message", "400 Bad request"}}));

  std::string self = valueOf(109);
  EXPECT_EQ(call("DELETE", "/api/v4/personal_access_tokens/self", self).status, 204);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", self).status, 401);

  auto groupRevoke = call("DELETE", "/api/v4/groups/265/service_accounts/10/personal_access_tokens/103", owner());
  EXPECT_EQ(groupRevoke.status, 404);   // 103 belongs to deploy-bot
  EXPECT_EQ(parse(groupRevoke), json({{"message", "404 Personal Access Token Not Found"}}));
  EXPECT_EQ(call("DELETE", "/api/v4/groups/265/service_accounts/11/personal_access_tokens/103", owner()).status, 204);
}

TEST_F(FakeGitLabTest, CreateValidatesLikeGrapeAndTheModel) {
  const std::string path = "/api/v4/users/10/personal_access_tokens";
  EXPECT_EQ(parse(call("POST", path, admin(), "{}")), json({{"error", "name is missing, scopes is missing"}}));
  EXPECT_EQ(parse(call("POST", path, admin(), R"({"name":"x"})")), json({{"error", "scopes is missing"}}));
  auto badScope = call("POST", path, admin(), R"({"name":"x","scopes":["api","bogus"]})");
  EXPECT_EQ(badScope.status, 400);
  EXPECT_EQ(parse(badScope), json({{"error", "scopes does not have a valid value"}}));
  auto tooLate = call("POST", path, admin(),
                      json{{"name", "x"}, {"scopes", {"api"}}, {"expires_at", formatDate(today + std::chrono::days(400))}}.dump());
  EXPECT_EQ(tooLate.status, 422);
  EXPECT_EQ(parse(tooLate),
            json({{"message", "Expiration date must be before " + formatDate(today + std::chrono::days(365))}}));
  EXPECT_EQ(call("POST", path, owner(), R"({"name":"x","scopes":["api"]})").status, 403);
  EXPECT_EQ(parse(call("POST", "/api/v4/users/4242/personal_access_tokens", admin(), R"({"name":"x","scopes":["api"]})")),
            json({{"message", "404 User Not Found"}}));

  auto created = call("POST", path, admin(), "name=next&scopes[]=api&scopes[]=read_api&expires_at=2025-09-01",
                      "", "application/x-www-form-urlencoded");
  ASSERT_EQ(created.status, 201);
  auto t = parse(created);
  EXPECT_EQ(t["name"], "next");
  EXPECT_EQ(t["scopes"], json({"api", "read_api"}));
  EXPECT_EQ(t["expires_at"], "2025-09-01");
  EXPECT_TRUE(t["token"].is_string());
  auto defaulted = parse(call("POST", path, admin(), R"({"name":"y","scopes":["api"]})"));
  EXPECT_EQ(defaulted["expires_at"], formatDate(today + std::chrono::days(365)));

  auto viaGroup = call("POST", "/api/v4/groups/sec/service_accounts/10/personal_access_tokens", owner(),
                       R"({"name":"g","scopes":"api,read_api"})");
  ASSERT_EQ(viaGroup.status, 201);
  EXPECT_EQ(parse(viaGroup)["scopes"], json({"api", "read_api"}));
  auto groupRotate = call("POST", "/api/v4/groups/265/service_accounts/10/personal_access_tokens/101/rotate", owner());
  ASSERT_EQ(groupRotate.status, 200);
  EXPECT_EQ(parse(groupRotate)["expires_at"], formatDate(today + std::chrono::days(7)));
  EXPECT_EQ(parse(call("POST", "/api/v4/groups/265/service_accounts/10/personal_access_tokens/103/rotate", owner())),
            json({{"message", "404 Not Found"}}));
  auto sa = call("POST", "/api/v4/groups/265/service_accounts", owner(), "{}");
  ASSERT_EQ(sa.status, 201);
  EXPECT_EQ(parse(sa)["username"].get<std::string>().rfind("service_account_group_265_", 0), 0u);
}

// --- variables ----------------------------------------------------------------------------------

TEST_F(FakeGitLabTest, VariablesBehaveAsSectionFive) {
  const std::string vars = "/api/v4/projects/5/variables";
  auto missing = call("PUT", vars + "/NOPE", admin(), R"({"value":"glpat-whatever-12345"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parse(missing), json({{"message", "404 Variable Not Found"}}));

  auto short_ = call("PUT", vars + "/GITLAB_API_TOKEN", admin(), R"({"value":"short"})");
  EXPECT_EQ(short_.status, 400);
  EXPECT_EQ(parse(short_), json({{"message", {{"value", {"is invalid"}}}}}));
  EXPECT_EQ(call("PUT", vars + "/GITLAB_API_TOKEN", admin(), R"({"value":"has spaces in it"})").status, 400);

  auto prod = call("POST", vars, admin(),
                   R"({"key":"GITLAB_API_TOKEN","value":"glpat-production-value","environment_scope":"production"})");
  ASSERT_EQ(prod.status, 201);
  auto dup = call("POST", vars, admin(), R"({"key":"GITLAB_API_TOKEN","value":"x","environment_scope":"production"})");
  EXPECT_EQ(parse(dup), json({{"message", {{"key", {"(GITLAB_API_TOKEN) has already been taken"}}}}}));
  auto ambiguous = call("PUT", vars + "/GITLAB_API_TOKEN", admin(), R"({"value":"glpat-another-value-1"})");
  EXPECT_EQ(ambiguous.status, 409);
  EXPECT_EQ(parse(ambiguous)["message"],
            "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'");
  auto filtered = call("PUT", vars + "/GITLAB_API_TOKEN", admin(), "value=glpat-another-value-1",
                       "filter%5Benvironment_scope%5D=production", "application/x-www-form-urlencoded");
  ASSERT_EQ(filtered.status, 200);
  EXPECT_EQ(parse(filtered)["environment_scope"], "production");
  auto jsonFilter = call("GET", vars + "/GITLAB_API_TOKEN", admin(), R"({"filter":{"environment_scope":"*"}})");
  EXPECT_EQ(jsonFilter.status, 200);

  auto hidden = call("POST", "/api/v4/projects/sec%2Finventory-builder/variables", owner(),
                     R"({"key":"HIDDEN","value":"glpat-hidden-value-1","masked_and_hidden":true})");
  ASSERT_EQ(hidden.status, 201);
  EXPECT_EQ(parse(hidden)["value"], nullptr);
  auto viaPath = call("GET", "/api/v4/projects/sec/inventory-builder/variables/HIDDEN", owner());
  EXPECT_EQ(viaPath.status, 200);
  EXPECT_EQ(parse(viaPath)["hidden"], true);
  EXPECT_EQ(call("DELETE", vars + "/HIDDEN", admin()).status, 204);
  EXPECT_EQ(call("DELETE", vars + "/HIDDEN", admin()).status, 404);

  auto noProject = call("GET", "/api/v4/projects/404/variables", admin());
  EXPECT_EQ(parse(noProject), json({{"message", "404 Project Not Found"}}));
  EXPECT_EQ(call("GET", "/api/v4/groups/sec/variables/INVENTORY_TOKEN", owner()).status, 200);
  auto groupPut = call("PUT", "/api/v4/groups/sec/variables/INVENTORY_TOKEN", owner(), R"({"value":"glpat-group-new-1"})");
  EXPECT_EQ(groupPut.status, 200);
}

// --- pipelines ----------------------------------------------------------------------------------

TEST_F(FakeGitLabTest, PipelineSucceedsOnlyWhenTheVariableHoldsAnActiveToken) {
  auto run = [&](const std::string& createPath, const std::string& body) {
    auto created = call("POST", createPath, admin(), body);
    EXPECT_EQ(created.status, 201);
    auto p = parse(created);
    EXPECT_EQ(p["status"], "pending");
    std::string get = "/api/v4/projects/5/pipelines/" + std::to_string(p["id"].get<int64_t>());
    EXPECT_EQ(parse(call("GET", get, admin()))["status"], "running");
    auto final = parse(call("GET", get, admin()));
    EXPECT_EQ(parse(call("GET", get, admin()))["status"], final["status"]);   // stays final
    return final;
  };
  auto ok = run("/api/v4/projects/5/pipeline", R"({"ref":"main"})");
  EXPECT_EQ(ok["status"], "success");
  EXPECT_EQ(ok["web_url"], "http://gitlab.test/sec/inventory-builder/-/pipelines/" + std::to_string(ok["id"].get<int64_t>()));

  // Rotating revokes the value the variable still holds.
  auto rotated = parse(call("POST", "/api/v4/personal_access_tokens/101/rotate", admin()));
  auto failed = run("/api/v4/projects/5/pipeline", R"({"ref":"main"})");
  EXPECT_EQ(failed["status"], "failed");

  // Deliver the new value, retry the failed pipeline: success.
  ASSERT_EQ(call("PUT", "/api/v4/projects/5/variables/GITLAB_API_TOKEN", admin(),
                 json{{"value", rotated["token"]}}.dump()).status, 200);
  std::string id = std::to_string(failed["id"].get<int64_t>());
  auto retried = run("/api/v4/projects/5/pipelines/" + id + "/retry", "");
  EXPECT_EQ(retried["id"], failed["id"]);
  EXPECT_EQ(retried["status"], "success");

  // Seeded pipeline 47 does not move; list is newest first; missing pipeline is "404 Not found".
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/pipelines/47", admin()))["status"], "failed");
  auto list = parse(call("GET", "/api/v4/projects/5/pipelines", admin(), "", "ref=main"));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_GT(list[0]["id"].get<int64_t>(), list[1]["id"].get<int64_t>());
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/pipelines", admin(), "", "status=failed")).size(), 1u);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/pipelines/9999", admin())), json({{"message", "404 Not found"}}));
  EXPECT_EQ(parse(call("POST", "/api/v4/projects/5/pipeline", admin(), "{}")), json({{"error", "ref is missing"}}));
  auto pending = parse(call("POST", "/api/v4/projects/5/pipeline", admin(), R"({"ref":"main"})"));
  auto cancel = call("POST", "/api/v4/projects/5/pipelines/" + std::to_string(pending["id"].get<int64_t>()) + "/cancel",
                     admin());
  EXPECT_EQ(cancel.status, 200);
  EXPECT_EQ(parse(cancel)["status"], "canceled");
  EXPECT_EQ(call("POST", "/api/v4/projects/5/pipelines", admin(), R"({"ref":"main"})").status, 405);
}

// --- issues -------------------------------------------------------------------------------------

TEST_F(FakeGitLabTest, IssuesCanBeFoundCommentedAndClosed) {
  auto found = parse(call("GET", "/api/v4/projects/sec%2Fteam/issues", owner(), "",
                          "labels=pat-expiry&state=opened&search=inventory"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["iid"], 262);
  auto note = call("POST", "/api/v4/projects/6/issues/262/notes", owner(), R"({"body":"Token rotated"})");
  EXPECT_EQ(note.status, 201);
  EXPECT_EQ(parse(note)["body"], "Token rotated");
  EXPECT_EQ(parse(note)["noteable_iid"], 262);
  EXPECT_EQ(parse(call("POST", "/api/v4/projects/6/issues/262/notes", owner(), "{}")),
            json({{"error", "body is missing"}}));
  auto closed = call("PUT", "/api/v4/projects/6/issues/262", owner(), R"({"state_event":"close"})");
  ASSERT_EQ(closed.status, 200);
  EXPECT_EQ(parse(closed)["state"], "closed");
  EXPECT_TRUE(parse(closed)["closed_at"].is_string());
  EXPECT_EQ(parse(closed)["closed_by"]["username"], "sec-owner");
  EXPECT_TRUE(parse(call("GET", "/api/v4/projects/6/issues", owner(), "", "state=opened")).empty());
  EXPECT_EQ(call("PUT", "/api/v4/projects/6/issues/262", owner(), "{}").status, 400);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/6/issues/999", owner())), json({{"message", "404 Not found"}}));
  auto created = call("POST", "/api/v4/projects/6/issues", owner(), R"({"title":"New","labels":"pat-expiry,x"})");
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(parse(created)["iid"], 263);
  EXPECT_EQ(parse(created)["labels"], json({"pat-expiry", "x"}));
}

// --- routing, faults, control routes ----------------------------------------------------------------

TEST_F(FakeGitLabTest, UnknownRoutesAndWrongVerbs) {
  auto unknown = call("GET", "/api/v4/nothing/here", admin());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(parse(unknown), json({{"error", "404 Not Found"}}));
  auto verb = call("PUT", "/api/v4/personal_access_tokens", admin());
  EXPECT_EQ(verb.status, 405);
  EXPECT_EQ(hdr(verb, "allow"), "GET");
  auto ok = call("GET", "/api/v4/personal_access_tokens/self", admin());
  EXPECT_EQ(hdr(ok, "content-type"), "application/json");
  EXPECT_NE(hdr(ok, "x-request-id"), "<absent>");
  EXPECT_TRUE(parse(ok)["created_at"].get<std::string>().size() == 24);   // YYYY-MM-DDTHH:MM:SS.mmmZ
}

TEST_F(FakeGitLabTest, FaultsHitApiRoutesOnly) {
  Faults f;
  f.rate500 = 1;
  gl->setFaults(f);
  auto res = call("GET", "/api/v4/personal_access_tokens/self", admin());
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(parse(res), json({{"message", "500 Internal Server Error"}}));
  EXPECT_EQ(call("GET", "/_fake/state", "").status, 200);
  auto calls = call("GET", "/_fake/calls", "");
  EXPECT_EQ(calls.status, 200);
  EXPECT_EQ(parse(calls).back()["status"], 500);
  EXPECT_EQ(parse(calls).back()["auth"], "token:1");

  EXPECT_EQ(call("POST", "/_fake/faults", "", R"({"rate_429":1})").status, 200);
  auto a = call("GET", "/api/v4/personal_access_tokens/self", admin());
  auto b = call("GET", "/api/v4/personal_access_tokens/self", admin());
  const auto& rack = hdr(a, "retry-after") == "1" ? a : b;
  const auto& app = hdr(a, "retry-after") == "1" ? b : a;
  EXPECT_EQ(rack.status, 429);
  EXPECT_EQ(rack.body, "Retry later\n");
  EXPECT_EQ(hdr(rack, "ratelimit-remaining"), "0");
  EXPECT_NE(hdr(rack, "ratelimit-reset"), "<absent>");
  EXPECT_EQ(app.status, 429);
  EXPECT_EQ(parse(app),
            json({{"message", {{"error", "This endpoint has been requested too many times. Try again later."}}}}));
  EXPECT_EQ(hdr(app, "ratelimit-limit"), "<absent>");

  EXPECT_EQ(call("POST", "/_fake/faults", "", "{}").status, 200);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", admin()).status, 200);
}

TEST_F(FakeGitLabTest, HangIsReleasedBySetFaults) {
  Faults f;
  f.hang = true;
  f.hangPathPrefix = "/api/v4/groups";
  gl->setFaults(f);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens/self", admin()).status, 200);   // other prefix
  auto hung = std::async(std::launch::async, [&] { return call("GET", "/api/v4/groups/265/service_accounts", admin()); });
  EXPECT_EQ(hung.wait_for(300ms), std::future_status::timeout);
  gl->setFaults({});
  ASSERT_EQ(hung.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(hung.get().status, 200);
}

TEST_F(FakeGitLabTest, DropFaultsMarkTheAnswerForTheFrontAndAreRefusedWithoutOne) {
  EXPECT_EQ(call("POST", "/_fake/faults", "", R"({"drop_rate":1})").status, 400);   // no --drop-proxy
  gl->setDropsSupported(true);
  ASSERT_EQ(call("POST", "/_fake/faults", "", R"({"drop_rate":1,"drop_method":"POST"})").status, 200);
  EXPECT_EQ(hdr(call("GET", "/api/v4/personal_access_tokens/self", admin()), kDropHeader), "<absent>");
  std::string spec = R"({"name":"dropped","scopes":["api"],"expires_at":"2025-12-01"})";
  auto before = gl->state()["tokens"].size();
  // Before the work: nothing is created, the call is logged with status 0.
  EXPECT_EQ(hdr(call("POST", "/api/v4/users/10/personal_access_tokens", admin(), spec), kDropHeader), "1");
  EXPECT_EQ(gl->state()["tokens"].size(), before);
  // After the work: the token exists, only the answer is lost.
  ASSERT_EQ(call("POST", "/_fake/faults", "", R"({"drop_rate":1,"drop_after_work":true})").status, 200);
  auto res = call("POST", "/api/v4/users/10/personal_access_tokens", admin(), spec);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(hdr(res, kDropHeader), "1");
  EXPECT_EQ(gl->state()["tokens"].size(), before + 1);
  auto log = parse(call("GET", "/_fake/calls", ""));
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[log.size() - 2]["status"], 0);
  EXPECT_EQ(log[log.size() - 2]["dropped"], true);
  EXPECT_EQ(log.back()["status"], 201);
  EXPECT_EQ(log.back()["dropped"], true);
  EXPECT_EQ(parse(call("GET", "/_fake/faults", ""))["drop_after_work"], true);
}

TEST_F(FakeGitLabTest, ScheduledFaultsHitOnlyTheChosenOccurrence) {
  const std::string path = "/api/v4/users/10/personal_access_tokens";
  std::string spec = R"({"name":"scheduled","scopes":["api"],"expires_at":"2025-12-01"})";
  auto schedule = [&](const char* action, int occurrence) {
    json body = {{"schedule", {{{"method", "POST"}, {"path", path}, {"occurrence", occurrence}, {"action", action}}}}};
    return call("POST", "/_fake/faults", "", body.dump()).status;
  };
  auto tokens = [&] { return gl->state()["tokens"].size(); };
  size_t n = tokens();
  // 500_after: the second create happens and answers 500; the first and third pass.
  ASSERT_EQ(schedule("500_after", 2), 200);
  EXPECT_EQ(call("GET", path, admin()).status, 405);   // another method does not count
  EXPECT_EQ(call("POST", path, admin(), spec).status, 201);
  EXPECT_EQ(call("POST", path, admin(), spec).status, 500);
  EXPECT_EQ(call("POST", path, admin(), spec).status, 201);
  EXPECT_EQ(tokens(), n + 3);
  auto faults = parse(call("GET", "/_fake/faults", ""));
  EXPECT_EQ(faults["schedule"][0]["seen"], 3);
  EXPECT_EQ(faults["schedule"][0]["fired"], true);
  EXPECT_EQ(parse(call("GET", "/_fake/calls", "")).back().value("fault", ""), "");
  // 500_before and 429: no work.
  ASSERT_EQ(schedule("500_before", 1), 200);
  EXPECT_EQ(call("POST", path, admin(), spec).status, 500);
  ASSERT_EQ(schedule("429", 1), 200);
  EXPECT_EQ(call("POST", path, admin(), spec).status, 429);
  EXPECT_EQ(tokens(), n + 3);
  // kill_before / hang: held without work; released by setting faults, still without work.
  for (const char* action : {"kill_before", "hang"}) {
    ASSERT_EQ(schedule(action, 1), 200);
    auto held = std::async(std::launch::async, [&] { return call("POST", path, admin(), spec); });
    EXPECT_EQ(held.wait_for(300ms), std::future_status::timeout);
    EXPECT_EQ(parse(call("GET", "/_fake/faults", ""))["held"], 1);
    ASSERT_EQ(call("POST", "/_fake/faults", "", "{}").status, 200);
    ASSERT_EQ(held.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(held.get().status, 503);
    EXPECT_EQ(tokens(), n + 3) << action;
  }
  // kill_after: the work is done while the answer is held; released, the real answer goes out.
  ASSERT_EQ(schedule("kill_after", 1), 200);
  auto held = std::async(std::launch::async, [&] { return call("POST", path, admin(), spec); });
  EXPECT_EQ(held.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(tokens(), n + 4);
  ASSERT_EQ(call("POST", "/_fake/faults", "", "{}").status, 200);
  ASSERT_EQ(held.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(held.get().status, 201);
  EXPECT_EQ(parse(call("GET", "/_fake/calls", "")).back()["fault"], "kill_after");
  // A bad action is refused.
  EXPECT_EQ(schedule("explode", 1), 400);
}

TEST_F(FakeGitLabTest, CallLogNeverHoldsTokenValues) {
  call("GET", "/api/v4/personal_access_tokens/self", admin());
  call("GET", "/api/v4/personal_access_tokens", "", "", "private_token=" + admin() + "&per_page=5");
  call("POST", "/api/v4/personal_access_tokens/101/rotate", admin());
  call("GET", "/api/v4/personal_access_tokens/self", "glpat-unknown-value-0000");
  auto calls = call("GET", "/_fake/calls", "");
  ASSERT_EQ(calls.status, 200);
  EXPECT_EQ(calls.body.find("glpat-"), std::string::npos);
  auto log = parse(calls);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0]["auth"], "token:1");
  EXPECT_EQ(log[0]["seq"], 1);
  EXPECT_EQ(log[1]["query"], "private_token=[REDACTED]&per_page=5");
  EXPECT_EQ(log[2]["status"], 200);
  EXPECT_EQ(log[3]["auth"], "none");
  EXPECT_EQ(log[3]["status"], 401);
  EXPECT_EQ(parse(call("GET", "/_fake/calls", "", "", "since=3")).size(), 1u);
}

TEST_F(FakeGitLabTest, ClockAndResetControlRoutes) {
  std::string inventory = valueOf(101);   // expires today+5
  auto moved = call("POST", "/_fake/clock", "", json{{"now", formatTimestamp(clock.now() + std::chrono::days(5))}}.dump());
  EXPECT_EQ(moved.status, 200);
  EXPECT_EQ(parse(call("GET", "/api/v4/personal_access_tokens/self", inventory))["error_description"],
            "Token is expired. You can either do re-authorization or token refresh.");

  FakeGitLab fixed(seed, clock);
  http::Request r{"POST", "/_fake/clock", "", {}, R"({"now":"2030-01-01T00:00:00Z"})", ""};
  EXPECT_EQ(fixed.handle(r).status, 400);

  auto reset = call("POST", "/_fake/reset", "", generatedSeed(3, 2, today, true).dump());
  EXPECT_EQ(reset.status, 200);
  EXPECT_EQ(gl->state()["tokens"].size(), 8u);
  EXPECT_EQ(call("POST", "/_fake/reset", "", R"({"tokens":[{"id":1,"user_id":77,"value":"v"}]})").status, 400);
  EXPECT_TRUE(parse(call("GET", "/_fake/calls", "")).empty());
}

TEST_F(FakeGitLabTest, ConcurrentCallsAreSerialisedAndLatencyOverlaps) {
  std::vector<std::future<std::vector<json>>> workers;
  for (int w = 0; w < 8; ++w) {
    workers.push_back(std::async(std::launch::async, [this, w] {
      std::vector<json> made;
      for (int i = 0; i < 20; ++i) {
        auto body = json{{"name", "w" + std::to_string(w) + "-" + std::to_string(i)}, {"scopes", {"api"}}}.dump();
        made.push_back(parse(call("POST", "/api/v4/users/10/personal_access_tokens", admin(), body)));
      }
      return made;
    }));
  }
  std::set<int64_t> ids;
  std::set<std::string> values;
  for (auto& w : workers) {
    for (const auto& t : w.get()) {
      ids.insert(t["id"].get<int64_t>());
      values.insert(t["token"].get<std::string>());
    }
  }
  EXPECT_EQ(ids.size(), 160u);
  EXPECT_EQ(values.size(), 160u);

  // Eight requests with 1 s latency each overlap (the sleep is outside the state lock).
  Faults f;
  f.latencyMs = 1000;
  gl->setFaults(f);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<int>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::async(std::launch::async, [this] {
      return call("GET", "/api/v4/personal_access_tokens/self", admin()).status;
    }));
  }
  for (auto& s : slow) EXPECT_EQ(s.get(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// --- seeds --------------------------------------------------------------------------------------

TEST(SeedsTest, GeneratedSeedIsDeterministicAndSpread) {
  Date today = Date(std::chrono::year(2025) / 6 / 1);
  auto s = generatedSeed(500, 6, today, false);
  EXPECT_EQ(s, generatedSeed(500, 6, today, false));
  ASSERT_EQ(s["tokens"].size(), 3002u);
  std::set<std::string> values;
  int minDays = 1000, maxDays = -1000, revoked = 0;
  for (const auto& t : s["tokens"]) {
    values.insert(t["value"].get<std::string>());
    if (t["user_id"].get<int64_t>() < 1000) continue;
    EXPECT_EQ(t["value"].get<std::string>().rfind("glpat-gen-", 0), 0u);
    int d = static_cast<int>((*parseDate(t["expires_at"].get<std::string>()) - today).count());
    minDays = std::min(minDays, d);
    maxDays = std::max(maxDays, d);
    revoked += t["revoked"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(values.size(), 3002u);
  EXPECT_EQ(minDays, -10);
  EXPECT_EQ(maxDays, 400);
  EXPECT_GT(revoked, 0);
  EXPECT_TRUE(s["service_accounts"][0]["group_id"].is_null());
  auto group = generatedSeed(3, 1, today, true);
  EXPECT_EQ(group["service_accounts"][0]["group_id"], 265);
  FakeClock groupClock{TimePoint(today)};
  FakeGitLab groupGitLab(group, groupClock);
  http::Request sas{"GET", "/api/v4/groups/sec/service_accounts", "", {{"private-token", groupOwnerTokenOf(group)}}, "", ""};
  EXPECT_EQ(json::parse(groupGitLab.handle(sas).body).size(), 3u);

  FakeClock clock{TimePoint(today) + std::chrono::hours(12)};
  FakeGitLab gl(s, clock);
  http::Request r{"GET", "/api/v4/service_accounts", "per_page=1", {{"private-token", adminTokenOf(s)}}, "", ""};
  auto res = gl.handle(r);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["x-total"], "500");
}

TEST(SeedsTest, CredentialHelpersFindTheBotTokens) {
  Date today = Date(std::chrono::year(2025) / 6 / 1);
  auto demo = demoSeed(today);
  FakeClock clock{TimePoint(today)};
  FakeGitLab gl(demo, clock);
  auto who = [&](const std::string& token) {
    http::Request r{"GET", "/api/v4/personal_access_tokens/self", "", {{"private-token", token}}, "", ""};
    return json::parse(gl.handle(r).body)["user_id"];
  };
  EXPECT_EQ(who(adminTokenOf(demo)), 1);
  EXPECT_EQ(who(groupOwnerTokenOf(demo)), 2);
  EXPECT_TRUE(adminTokenOf(json::object()).empty());
}

TEST(SeedsTest, TestdataSeedLoads) {
  const char* src = std::getenv("PATBOT_SOURCE_DIR");
  std::string path = std::string(src && *src ? src : PATBOT_TEST_SOURCE_DIR) + "/tests/fakes/testdata/minimal_seed.json";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  auto seed = json::parse(in);
  FakeClock clock{TimePoint(Date(std::chrono::year(2025) / 6 / 1))};
  FakeGitLab gl(seed, clock);
  EXPECT_EQ(gl.state()["tokens"].size(), 4u);
  EXPECT_EQ(adminTokenOf(seed), "glpat-minimal-admin-0001");
}

}  // namespace
}  // namespace patbot::fakes
