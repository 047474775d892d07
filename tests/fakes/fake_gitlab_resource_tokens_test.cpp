// FakeGitLab's project and group access tokens, memberships and protected branches/environments
// against reference/gitlab-api.md §1, §2.4, §4 and reference/gitlab-access-tokens.md, through
// handle() (no server). Token values are compared, never printed.
#include <gtest/gtest.h>

#include "sim/fake_gitlab.h"
#include "sim/seeds.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using std::chrono::days;

constexpr const char* kHost = "gitlab.test";
constexpr const char* kDev = "glpat-test-dev-0000000003";          // Developer of project 5
constexpr const char* kMaint = "glpat-test-maint-00000004";        // Maintainer of project 5
constexpr const char* kOutsider = "glpat-test-outsider-00007";     // member of nothing
constexpr const char* kGroupMaint = "glpat-test-gmaint-000008";    // Maintainer of group sec
constexpr const char* kReadUser = "glpat-test-readuser-00009";     // root, read_user only

// The demo instance plus: dev (3) Developer and maint (4) Maintainer of sec/inventory-builder (5),
// outsider (7), gmaint (8) Maintainer of group sec (265), subgroup sec/platform (300) with project
// sec/platform/api (7); sec-owner (2) owns group sec, so everything below it.
json testSeed(Date today) {
  json s = demoSeed(today);
  const std::string later = formatDate(today + days(60));
  for (auto [id, name] : std::vector<std::pair<int, std::string>>{{3, "dev"}, {4, "maint"}, {7, "outsider"}, {8, "gmaint"}}) {
    s["users"].push_back({{"id", id}, {"username", name}, {"name", "User " + name}, {"admin", false}});
  }
  auto token = [&](int id, int user, const char* value, std::vector<std::string> scopes = {"api"}) {
    s["tokens"].push_back({{"id", id}, {"user_id", user}, {"name", "t" + std::to_string(id)}, {"scopes", scopes},
                           {"expires_at", later}, {"value", value}});
  };
  token(903, 3, kDev);
  token(904, 4, kMaint);
  token(907, 7, kOutsider);
  token(908, 8, kGroupMaint);
  token(909, 1, kReadUser, {"read_user"});
  s["groups"].push_back({{"id", 300}, {"path", "sec/platform"}, {"owners", json::array()}});
  s["projects"].push_back({{"id", 7}, {"path", "sec/platform/api"}, {"maintainers", json::array()}});
  s["members"] = json::array({{{"user_id", 3}, {"source_type", "project"}, {"source_id", 5}, {"access_level", 30}},
                              {{"user_id", 4}, {"source_type", "project"}, {"source_id", 5}, {"access_level", 40}},
                              {{"user_id", 8}, {"source_type", "group"}, {"source_id", 265}, {"access_level", 40}}});
  return s;
}

class ResourceTokensTest : public ::testing::Test {
 protected:
  FakeClock clock{TimePoint(Date(std::chrono::year(2025) / 6 / 1)) + 10h};
  Date today = utcDay(clock.now());
  json seed = testSeed(today);
  std::unique_ptr<FakeGitLab> gl = std::make_unique<FakeGitLab>(seed, clock, &clock);

  std::string admin() const { return adminTokenOf(seed); }
  std::string owner() const { return groupOwnerTokenOf(seed); }
  std::string in(int d) const { return formatDate(today + days(d)); }

  http::Response call(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "", const std::string& query = "") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.headers["host"] = kHost;
    if (!body.empty()) r.headers["content-type"] = "application/json";
    if (!token.empty()) r.headers["private-token"] = token;
    return gl->handle(r);
  }
  static json parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }
  json control(const std::string& path, const json& body) { return parse(call("POST", path, "", body.dump())); }

  // A project 5 token created through the API by maint; the answer (value included).
  json create(const json& spec, const std::string& token = kMaint, const std::string& resource = "/api/v4/projects/5") {
    auto res = call("POST", resource + "/access_tokens", token, spec.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return parse(res);
  }
  json spec(const std::string& name, int accessLevel = 40) {
    return {{"name", name}, {"scopes", {"api"}}, {"expires_at", in(30)}, {"access_level", accessLevel}};
  }
  // The answer without the fields that differ per run (ids, the value, timestamps).
  static json stable(json j) {
    for (const char* k : {"id", "user_id", "token", "created_at", "last_used_at"}) j.erase(k);
    return j;
  }
  int64_t userOf(const std::string& value) { return parse(call("GET", "/api/v4/user", value))["id"]; }
};

std::string hdr(const http::Response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "<absent>" : it->second;
}

bool isHex(const std::string& s) { return s.find_first_not_of("0123456789abcdef") == std::string::npos; }

// --- create -----------------------------------------------------------------------------------

TEST_F(ResourceTokensTest, CreateMakesABotUserMemberAtTheTokenAccessLevel) {
  json t = create({{"name", "ci"}, {"description", "for CI"}, {"scopes", {"api", "read_repository"}},
                   {"expires_at", in(30)}, {"access_level", 30}});
  EXPECT_EQ(stable(t), json({{"name", "ci"}, {"description", "for CI"}, {"scopes", {"api", "read_repository"}},
                             {"expires_at", in(30)}, {"revoked", false}, {"active", true}, {"access_level", 30},
                             {"resource_type", "project"}, {"resource_id", 5}}));
  ASSERT_TRUE(t["token"].is_string());
  EXPECT_EQ(t["token"].get<std::string>().rfind("glpat-", 0), 0u);

  auto me = parse(call("GET", "/api/v4/user", t["token"]));
  EXPECT_EQ(me["id"], t["user_id"]);
  std::string username = me["username"];
  ASSERT_EQ(username.rfind("project_5_bot_", 0), 0u) << username;
  EXPECT_EQ(username.size(), std::string("project_5_bot_").size() + 32);
  EXPECT_TRUE(isHex(username.substr(14)));
  EXPECT_EQ(me["name"], "ci");
  EXPECT_EQ(me["bot"], true);
  EXPECT_FALSE(me.contains("is_admin"));

  auto member = call("GET", "/api/v4/projects/5/members/all/" + std::to_string(t["user_id"].get<int64_t>()), kMaint);
  ASSERT_EQ(member.status, 200);
  EXPECT_EQ(parse(member)["access_level"], 30);

  // access_level defaults to Maintainer; the project may be named by its encoded path.
  auto byPath = create({{"name", "deploy"}, {"scopes", {"read_api"}}, {"expires_at", in(5)}}, kMaint,
                       "/api/v4/projects/sec%2Finventory-builder");
  EXPECT_EQ(byPath["access_level"], 40);
  EXPECT_EQ(byPath["resource_id"], 5);
  EXPECT_NE(byPath["user_id"], t["user_id"]);   // every token its own bot user

  auto group = create(spec("group-ci", 50), owner(), "/api/v4/groups/sec");
  EXPECT_EQ(group["resource_type"], "group");
  EXPECT_EQ(group["resource_id"], 265);
  EXPECT_EQ(group["access_level"], 50);
  EXPECT_EQ(parse(call("GET", "/api/v4/user", group["token"]))["username"].get<std::string>().rfind("group_265_bot_", 0),
            0u);
}

TEST_F(ResourceTokensTest, CreateValidatesParametersLikeGrapeAndTheLifetimeLikeTheModel) {
  const std::string path = "/api/v4/projects/5/access_tokens";
  auto empty = call("POST", path, kMaint, "{}");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(parse(empty), json({{"error", "name is missing, scopes is missing, expires_at is missing"}}));
  EXPECT_EQ(parse(call("POST", path, kMaint, R"({"name":"x","scopes":["api"]})")),
            json({{"error", "expires_at is missing"}}));
  // spec("x") with `patch` applied.
  auto with = [&](const json& patch) {
    json body = spec("x");
    body.update(patch);
    return body;
  };
  auto answer = [&](const json& patch) { return parse(call("POST", path, kMaint, with(patch).dump())); };
  EXPECT_EQ(answer({{"scopes", {"api", "read_user"}}}), json({{"error", "scopes does not have a valid value"}}));
  EXPECT_EQ(answer({{"access_level", 45}}), json({{"error", "access_level does not have a valid value"}}));
  EXPECT_EQ(answer({{"expires_at", "soon"}}), json({{"error", "expires_at is invalid"}}));
  auto tooLate = call("POST", path, kMaint, with({{"expires_at", in(366)}}).dump());
  EXPECT_EQ(tooLate.status, 400);
  EXPECT_EQ(parse(tooLate), json({{"message", "400 Bad request - Expiration date must be before " + in(365)}}));
  EXPECT_EQ(create(with({{"expires_at", in(365)}}))["expires_at"], in(365));
  // Parameters are checked before the project is looked up.
  EXPECT_EQ(parse(call("POST", "/api/v4/projects/999/access_tokens", kMaint, "{}"))["error"],
            "name is missing, scopes is missing, expires_at is missing");
}

TEST_F(ResourceTokensTest, CreateTakesMaintainerOnAProjectAndOwnerOnAGroup) {
  const std::string path = "/api/v4/projects/5/access_tokens";
  auto dev = call("POST", path, kDev, spec("x").dump());
  EXPECT_EQ(dev.status, 400);
  EXPECT_EQ(parse(dev), json({{"message", "400 Bad request - User does not have permission to create project access token"}}));
  auto outsider = call("POST", path, kOutsider, spec("x").dump());
  EXPECT_EQ(outsider.status, 404);
  EXPECT_EQ(parse(outsider), json({{"message", "404 Project Not Found"}}));
  auto ownerLevel = call("POST", path, kMaint, spec("x", 50).dump());
  EXPECT_EQ(ownerLevel.status, 400);
  EXPECT_EQ(parse(ownerLevel), json({{"message", "400 Bad request - Could not provision owner access to project access token"}}));
  EXPECT_EQ(create(spec("x", 50), admin())["access_level"], 50);
  EXPECT_EQ(create(spec("x", 50), owner())["access_level"], 50);   // owner of group sec, so of its projects

  auto groupMaint = call("POST", "/api/v4/groups/265/access_tokens", kGroupMaint, spec("x").dump());
  EXPECT_EQ(parse(groupMaint), json({{"message", "400 Bad request - User does not have permission to create group access token"}}));
  auto groupOutsider = call("POST", "/api/v4/groups/265/access_tokens", kMaint, spec("x").dump());
  EXPECT_EQ(groupOutsider.status, 404);
  EXPECT_EQ(parse(groupOutsider), json({{"message", "404 Group Not Found"}}));
  EXPECT_EQ(create(spec("sub"), owner(), "/api/v4/groups/sec%2Fplatform")["resource_id"], 300);   // inherited Owner

  // A project token cannot create tokens, even as a Maintainer of its project.
  json bot = create(spec("bot"));
  EXPECT_EQ(parse(call("POST", path, bot["token"], spec("x").dump())),
            json({{"message", "400 Bad request - User does not have permission to create project access token"}}));
}

// --- list and get -----------------------------------------------------------------------------

TEST_F(ResourceTokensTest, ListShowsEveryStateFiltersAndPaginates) {
  create(spec("a"));
  json b = create(spec("b"));
  create(spec("c"));
  ASSERT_EQ(call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(b["id"].get<int64_t>()) + "/rotate", kMaint).status, 200);
  create(spec("group-only"), owner(), "/api/v4/groups/265");

  auto all = call("GET", "/api/v4/projects/5/access_tokens", kMaint);
  ASSERT_EQ(all.status, 200);
  auto items = parse(all);
  ASSERT_EQ(items.size(), 4u);   // a, b (revoked), c, b's successor; not the group's
  EXPECT_EQ(items[1]["id"], b["id"]);
  EXPECT_EQ(items[1]["revoked"], true);
  EXPECT_EQ(items[1]["active"], false);
  EXPECT_EQ(all.body.find("\"token\""), std::string::npos);
  EXPECT_EQ(all.body.find("glpat-"), std::string::npos);
  EXPECT_EQ(hdr(all, "x-total"), "4");
  EXPECT_EQ(stable(items[0]), json({{"name", "a"}, {"description", nullptr}, {"scopes", {"api"}}, {"expires_at", in(30)},
                                    {"revoked", false}, {"active", true}, {"access_level", 40},
                                    {"resource_type", "project"}, {"resource_id", 5}}));

  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "state=inactive")).size(), 1u);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "state=active")).size(), 3u);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "revoked=true"))[0]["id"], b["id"]);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "state=bogus")),
            json({{"error", "state does not have a valid value"}}));

  auto page2 = call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "per_page=3&page=2");
  EXPECT_EQ(parse(page2).size(), 1u);
  EXPECT_EQ(hdr(page2, "x-page"), "2");
  EXPECT_EQ(hdr(page2, "x-per-page"), "3");
  EXPECT_EQ(hdr(page2, "x-next-page"), "");
  EXPECT_EQ(hdr(page2, "x-prev-page"), "1");
  EXPECT_EQ(hdr(page2, "x-total-pages"), "2");
  std::string base = "http://gitlab.test/api/v4/projects/5/access_tokens?";
  EXPECT_EQ(hdr(page2, "link"), "<" + base + "page=1&per_page=3>; rel=\"prev\", <" + base +
                                    "page=1&per_page=3>; rel=\"first\", <" + base + "page=2&per_page=3>; rel=\"last\"");

  auto groupList = parse(call("GET", "/api/v4/groups/sec/access_tokens", owner()));
  ASSERT_EQ(groupList.size(), 1u);
  EXPECT_EQ(groupList[0]["name"], "group-only");
}

TEST_F(ResourceTokensTest, ListAndGetNeedTheManagingRole) {
  json t = create(spec("t"));
  const std::string one = "/api/v4/projects/5/access_tokens/" + std::to_string(t["id"].get<int64_t>());
  auto dev = call("GET", "/api/v4/projects/5/access_tokens", kDev);
  EXPECT_EQ(dev.status, 401);
  EXPECT_EQ(parse(dev), json({{"message", "401 Unauthorized"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kOutsider)), json({{"message", "404 Project Not Found"}}));
  EXPECT_EQ(call("GET", one, kDev).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/groups/265/access_tokens", kGroupMaint).status, 401);
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265/access_tokens", kMaint)), json({{"message", "404 Group Not Found"}}));

  auto got = call("GET", one, kMaint);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(parse(got)["id"], t["id"]);
  EXPECT_FALSE(parse(got).contains("token"));
  EXPECT_EQ(parse(call("GET", one, admin()))["access_level"], 40);

  auto missing = call("GET", "/api/v4/projects/5/access_tokens/424242", kMaint);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parse(missing), json({{"message", "404 project Access Token Not Found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/6/access_tokens/" + std::to_string(t["id"].get<int64_t>()), admin())),
            json({{"message", "404 project Access Token Not Found"}}));   // another project's token
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens/self", kMaint)),
            json({{"message", "404 project Access Token Not Found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265/access_tokens/101", owner())),
            json({{"message", "404 group Access Token Not Found"}}));   // a service account's PAT
}

// --- rotate -----------------------------------------------------------------------------------

TEST_F(ResourceTokensTest, RotateKeepsTheBotUserAndRevokesTheOldTokenAtOnce) {
  json old = create({{"name", "ci"}, {"description", "d"}, {"scopes", {"api", "read_registry"}},
                     {"expires_at", in(30)}, {"access_level", 30}});
  const std::string oldPath = "/api/v4/projects/5/access_tokens/" + std::to_string(old["id"].get<int64_t>());
  auto res = call("POST", oldPath + "/rotate", kMaint);
  ASSERT_EQ(res.status, 200);
  json fresh = parse(res);
  EXPECT_NE(fresh["id"], old["id"]);
  EXPECT_EQ(fresh["user_id"], old["user_id"]);
  EXPECT_EQ(stable(fresh), json({{"name", "ci"}, {"description", "d"}, {"scopes", {"api", "read_registry"}},
                                 {"expires_at", in(7)}, {"revoked", false}, {"active", true}, {"access_level", 30},
                                 {"resource_type", "project"}, {"resource_id", 5}}));
  EXPECT_EQ(fresh["last_used_at"], nullptr);
  ASSERT_TRUE(fresh["token"].is_string());
  EXPECT_TRUE(fresh["token"] != old["token"]);

  auto oldNow = parse(call("GET", oldPath, kMaint));
  EXPECT_EQ(oldNow["revoked"], true);
  EXPECT_EQ(oldNow["active"], false);
  auto oldUse = call("GET", "/api/v4/user", old["token"]);
  EXPECT_EQ(oldUse.status, 401);
  EXPECT_EQ(parse(oldUse), json({{"error", "invalid_token"},
                                 {"error_description", "Token was revoked. You have to re-authorize from the user."}}));
  EXPECT_EQ(userOf(fresh["token"]), old["user_id"].get<int64_t>());
  EXPECT_EQ(call("GET", "/api/v4/projects/5/members/all/" + std::to_string(old["user_id"].get<int64_t>()), kMaint).status, 200);

  auto again = call("POST", oldPath + "/rotate", kMaint);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(parse(again), json({{"message", "400 Bad request - Token already revoked"}}));

  const std::string freshPath = "/api/v4/projects/5/access_tokens/" + std::to_string(fresh["id"].get<int64_t>());
  auto tooLate = call("POST", freshPath + "/rotate", kMaint, json{{"expires_at", in(366)}}.dump());
  EXPECT_EQ(parse(tooLate), json({{"message", "400 Bad request - Expiration date must be before " + in(365)}}));
  EXPECT_EQ(parse(call("POST", freshPath + "/rotate", kMaint, R"({"expires_at":"soon"})")),
            json({{"error", "expires_at is invalid"}}));
  EXPECT_EQ(parse(call("GET", freshPath, kMaint))["active"], true);   // failed rotations change nothing
  auto dated = call("POST", freshPath + "/rotate", kMaint, "", "expires_at=" + in(90));
  ASSERT_EQ(dated.status, 200);
  EXPECT_EQ(parse(dated)["expires_at"], in(90));

  auto group = create(spec("g"), owner(), "/api/v4/groups/265");
  auto groupRotated = call("POST", "/api/v4/groups/265/access_tokens/" + std::to_string(group["id"].get<int64_t>()) + "/rotate", owner());
  ASSERT_EQ(groupRotated.status, 200);
  EXPECT_EQ(parse(groupRotated)["user_id"], group["user_id"]);
  EXPECT_EQ(parse(groupRotated)["resource_type"], "group");
}

TEST_F(ResourceTokensTest, RotatePermissionsFollowTheReference) {
  json t = create(spec("t"));
  const std::string rotate = "/api/v4/projects/5/access_tokens/" + std::to_string(t["id"].get<int64_t>()) + "/rotate";
  auto dev = call("POST", rotate, kDev);
  EXPECT_EQ(dev.status, 401);
  EXPECT_EQ(parse(dev), json({{"message", "401 Unauthorized"}}));
  EXPECT_EQ(parse(call("POST", rotate, kOutsider)), json({{"message", "404 Project Not Found"}}));
  auto adminMissing = call("POST", "/api/v4/projects/5/access_tokens/424242/rotate", admin());
  EXPECT_EQ(adminMissing.status, 404);
  EXPECT_EQ(parse(adminMissing), json({{"message", "404 Not Found"}}));
  auto maintMissing = call("POST", "/api/v4/projects/5/access_tokens/424242/rotate", kMaint);
  EXPECT_EQ(maintMissing.status, 401);
  EXPECT_EQ(parse(maintMissing), json({{"message", "401 Unauthorized"}}));
  EXPECT_EQ(call("POST", "/api/v4/projects/6/access_tokens/" + std::to_string(t["id"].get<int64_t>()) + "/rotate", admin()).status,
            404);   // not project 6's token

  // A Maintainer cannot rotate an Owner-level token; an admin or an Owner can.
  json ownerLevel = create(spec("owner-level", 50), admin());
  const std::string rotateOwner = "/api/v4/projects/5/access_tokens/" + std::to_string(ownerLevel["id"].get<int64_t>()) + "/rotate";
  auto refused = call("POST", rotateOwner, kMaint);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(parse(refused), json({{"message", "400 Bad request - Not eligible to rotate token with access level higher than the user"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens/" + std::to_string(ownerLevel["id"].get<int64_t>()), kMaint))["active"],
            true);
  auto byOwner = call("POST", rotateOwner, owner());
  ASSERT_EQ(byOwner.status, 200);
  EXPECT_EQ(parse(call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(parse(byOwner)["id"].get<int64_t>()) + "/rotate",
                       admin()))["access_level"],
            50);
}

TEST_F(ResourceTokensTest, AnExpiredTokenCannotBeRotated) {
  json seeded = control("/_fake/resource_tokens", {{"project", 5}, {"name", "old"}, {"expires_at", in(-1)}});
  auto res = call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(seeded["id"].get<int64_t>()) + "/rotate", kMaint);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(parse(res), json({{"message", "400 Bad request - Token already expired"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "state=active")).size(), 0u);
  // Expiry starts at 00:00 UTC of expires_at: a token expiring today is expired already.
  json today_ = control("/_fake/resource_tokens", {{"project", 5}, {"name", "today"}, {"expires_at", in(0)}});
  EXPECT_EQ(call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(today_["id"].get<int64_t>()) + "/rotate", kMaint).status,
            400);
}

TEST_F(ResourceTokensTest, SelfRotateIsForTheTokenItself) {
  json t = create(spec("self"));
  auto res = call("POST", "/api/v4/projects/5/access_tokens/self/rotate", t["token"], json{{"expires_at", in(20)}}.dump());
  ASSERT_EQ(res.status, 200);
  json fresh = parse(res);
  EXPECT_EQ(fresh["user_id"], t["user_id"]);
  EXPECT_EQ(fresh["expires_at"], in(20));
  EXPECT_EQ(fresh["access_level"], 40);
  EXPECT_EQ(call("GET", "/api/v4/user", t["token"]).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/user", fresh["token"]).status, 200);
  auto byPath = call("POST", "/api/v4/projects/sec%2Finventory-builder/access_tokens/self/rotate", fresh["token"]);
  ASSERT_EQ(byPath.status, 200);
  EXPECT_EQ(parse(byPath)["expires_at"], in(7));

  auto human = call("POST", "/api/v4/projects/5/access_tokens/self/rotate", kMaint);
  EXPECT_EQ(human.status, 405);
  EXPECT_EQ(parse(human), json({{"message", "405 Method Not Allowed"}}));
  json groupBot = create(spec("g"), owner(), "/api/v4/groups/265");
  auto elsewhere = call("POST", "/api/v4/projects/5/access_tokens/self/rotate", groupBot["token"]);   // member by inheritance
  EXPECT_EQ(elsewhere.status, 401);
  EXPECT_EQ(parse(elsewhere), json({{"message", "401 Unauthorized"}}));
  EXPECT_EQ(call("POST", "/api/v4/groups/265/access_tokens/self/rotate", groupBot["token"]).status, 200);

  json readOnly = create({{"name", "ro"}, {"scopes", {"read_api"}}, {"expires_at", in(30)}});
  auto scope = call("POST", "/api/v4/projects/5/access_tokens/self/rotate", readOnly["token"]);
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(parse(scope)["scope"], "api self_rotate");
  json selfRotate = create({{"name", "sr"}, {"scopes", {"self_rotate"}}, {"expires_at", in(30)}});
  EXPECT_EQ(call("POST", "/api/v4/projects/5/access_tokens/self/rotate", selfRotate["token"]).status, 200);
}

// --- reuse detection (§2.4) ---------------------------------------------------------------------

TEST_F(ResourceTokensTest, ReusingARotatedTokenOnARotatePathRevokesItsSuccessors) {
  json first = create(spec("family"));
  json second = parse(call("POST", "/api/v4/projects/5/access_tokens/self/rotate", first["token"]));
  json third = parse(call("POST", "/api/v4/projects/5/access_tokens/self/rotate", second["token"]));
  ASSERT_EQ(call("GET", "/api/v4/user", third["token"]).status, 200);
  json bystander = create(spec("bystander"));

  // A revoked token on a non-rotate path: 401, nobody else harmed.
  EXPECT_EQ(call("GET", "/api/v4/projects/5/access_tokens", first["token"]).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/user", third["token"]).status, 200);

  auto reuse = call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(first["id"].get<int64_t>()) + "/rotate",
                    first["token"]);
  EXPECT_EQ(reuse.status, 401);
  EXPECT_EQ(parse(reuse), json({{"error", "invalid_token"},
                                {"error_description", "Token was revoked. You have to re-authorize from the user."}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/user", third["token"]))["error_description"],
            "Token was revoked. You have to re-authorize from the user.");
  EXPECT_EQ(call("GET", "/api/v4/user", bystander["token"]).status, 200);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens", kMaint, "", "state=active")).size(), 1u);

  // The same through …/self/rotate on a group.
  json g1 = create(spec("g"), owner(), "/api/v4/groups/265");
  json g2 = parse(call("POST", "/api/v4/groups/265/access_tokens/self/rotate", g1["token"]));
  EXPECT_EQ(call("POST", "/api/v4/groups/265/access_tokens/self/rotate", g1["token"]).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/user", g2["token"]).status, 401);

  // Only a path ending in access_tokens/(<id>|self)/rotate counts.
  json h1 = create(spec("h"));
  json h2 = parse(call("POST", "/api/v4/projects/5/access_tokens/self/rotate", h1["token"]));
  EXPECT_EQ(call("POST", "/api/v4/projects/5/access_tokens/x1/rotate", h1["token"]).status, 401);
  EXPECT_EQ(call("POST", "/api/v4/projects/5/pipelines/47/retry", h1["token"]).status, 401);
  EXPECT_EQ(call("GET", "/api/v4/user", h2["token"]).status, 200);
}

// --- revoke -----------------------------------------------------------------------------------

TEST_F(ResourceTokensTest, RevokeDeletesTheBotUserWithItsMembershipsAndRules) {
  json t = create(spec("doomed", 30));
  const int64_t bot = t["user_id"];
  control("/_fake/members", {{"user_id", bot}, {"group", "sec/platform"}, {"access_level", 30}});
  control("/_fake/protected_branches", {{"project", 5}, {"name", "main"}, {"user_id", bot}});
  control("/_fake/protected_environments", {{"project", 5}, {"name", "production"}, {"user_id", bot}});
  control("/_fake/protected_environments", {{"project", 5}, {"name", "production"}, {"user_id", bot}, {"kind", "approval"}});
  ASSERT_EQ(parse(call("GET", "/api/v4/users/" + std::to_string(bot) + "/memberships", admin())).size(), 2u);

  const std::string path = "/api/v4/projects/5/access_tokens/" + std::to_string(t["id"].get<int64_t>());
  auto dev = call("DELETE", path, kDev);
  EXPECT_EQ(dev.status, 400);
  EXPECT_EQ(parse(dev), json({{"message", "400 Bad request - User dev cannot delete doomed"}}));

  auto res = call("DELETE", path, kMaint);
  EXPECT_EQ(res.status, 204);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(hdr(res, "content-type"), "<absent>");
  EXPECT_EQ(parse(call("GET", "/api/v4/users/" + std::to_string(bot) + "/memberships", admin())),
            json({{"message", "404 User Not Found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/members/all/" + std::to_string(bot), kMaint)),
            json({{"message", "404 Not found"}}));
  auto branches = parse(call("GET", "/api/v4/projects/5/protected_branches", kMaint));
  ASSERT_EQ(branches.size(), 1u);
  EXPECT_EQ(branches[0]["push_access_levels"].size(), 1u);   // the Maintainers rule stays
  EXPECT_EQ(branches[0]["push_access_levels"][0]["user_id"], nullptr);
  auto envs = parse(call("GET", "/api/v4/projects/5/protected_environments", kMaint));
  EXPECT_EQ(envs[0]["deploy_access_levels"].size(), 1u);
  EXPECT_TRUE(envs[0]["approval_rules"].empty());
  auto used = call("GET", "/api/v4/user", t["token"]);
  EXPECT_EQ(used.status, 401);
  EXPECT_EQ(parse(used), json({{"message", "401 Unauthorized"}}));   // its user is gone

  // The token stays on record, revoked, with its level; a second DELETE is 204.
  auto kept = parse(call("GET", path, kMaint));
  EXPECT_EQ(kept["revoked"], true);
  EXPECT_EQ(kept["access_level"], 30);
  EXPECT_EQ(call("DELETE", path, kMaint).status, 204);
  auto missing = call("DELETE", "/api/v4/projects/5/access_tokens/424242", kMaint);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parse(missing), json({{"message", "404 project Access Token Not Found"}}));
  EXPECT_EQ(parse(call("DELETE", "/api/v4/groups/265/access_tokens/424242", owner())),
            json({{"message", "404 group Access Token Not Found"}}));

  // The state with a deleted bot user's token still loads.
  EXPECT_EQ(call("POST", "/_fake/reset", "", gl->state().dump()).status, 200);
  EXPECT_EQ(parse(call("GET", path, kMaint))["revoked"], true);
}

TEST_F(ResourceTokensTest, RevokingARotatedAwayTokenStillDeletesTheBotUserAndKillsItsSuccessor) {
  json old = create(spec("rotated"));
  json fresh = parse(call("POST", "/api/v4/projects/5/access_tokens/" + std::to_string(old["id"].get<int64_t>()) + "/rotate", kMaint));
  ASSERT_EQ(call("GET", "/api/v4/user", fresh["token"]).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v4/projects/5/access_tokens/" + std::to_string(old["id"].get<int64_t>()), kMaint).status, 204);
  EXPECT_EQ(call("GET", "/api/v4/user", fresh["token"]).status, 401);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/access_tokens/" + std::to_string(fresh["id"].get<int64_t>()), kMaint))["revoked"],
            true);
}

TEST_F(ResourceTokensTest, TheRetentionSettingKeepsTheBotUserAndItsTies) {
  EXPECT_EQ(parse(call("GET", "/_fake/settings", "")), json({{"retain_bot_user_after_revoke", false}}));
  EXPECT_EQ(control("/_fake/settings", {{"retain_bot_user_after_revoke", true}}),
            json({{"retain_bot_user_after_revoke", true}}));
  json t = create(spec("kept"));
  const int64_t bot = t["user_id"];
  control("/_fake/protected_branches", {{"project", 5}, {"name", "main"}, {"user_id", bot}, {"kind", "merge"}});
  EXPECT_EQ(call("DELETE", "/api/v4/projects/5/access_tokens/" + std::to_string(t["id"].get<int64_t>()), kMaint).status, 204);

  EXPECT_EQ(parse(call("GET", "/api/v4/users/" + std::to_string(bot) + "/memberships", admin())),
            json::array({{{"source_id", 5}, {"source_name", "inventory-builder"}, {"source_type", "Project"}, {"access_level", 40}}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/protected_branches", kMaint))[0]["merge_access_levels"][1]["user_id"], bot);
  EXPECT_EQ(parse(call("GET", "/api/v4/user", t["token"]))["error"], "invalid_token");   // revoked, user kept
  EXPECT_EQ(gl->state()["retain_bot_user_after_revoke"], true);

  json s = seed;
  s["retain_bot_user_after_revoke"] = true;
  gl = std::make_unique<FakeGitLab>(s, clock, &clock);
  EXPECT_EQ(parse(call("GET", "/_fake/settings", "")), json({{"retain_bot_user_after_revoke", true}}));
}

// --- members, memberships, the current user ---------------------------------------------------------

TEST_F(ResourceTokensTest, MemberLookupCountsInheritedGroupMembership) {
  auto dev = call("GET", "/api/v4/projects/5/members/all/3", kMaint);
  ASSERT_EQ(dev.status, 200);
  EXPECT_EQ(parse(dev), json({{"id", 3}, {"username", "dev"}, {"name", "User dev"}, {"state", "active"}, {"locked", false},
                              {"avatar_url", nullptr}, {"web_url", "http://gitlab.test/dev"}, {"access_level", 30},
                              {"expires_at", nullptr}, {"membership_state", "active"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/sec%2Fplatform%2Fapi/members/all/2", owner()))["access_level"], 50);
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/300/members/all/8", owner()))["access_level"], 40);   // gmaint, from sec
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/members/all/8", kDev))["access_level"], 40);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/members/all/2", kDev))["access_level"], 50);   // owner of sec beats maintainer

  auto none = call("GET", "/api/v4/projects/5/members/all/7", kMaint);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(parse(none), json({{"message", "404 Not found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/members/all/99999", kMaint)), json({{"message", "404 Not found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/members/all/3", kOutsider)), json({{"message", "404 Project Not Found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265/members/all/3", kDev)), json({{"message", "404 Group Not Found"}}));

  // Memberships feed the older routes too: sec-owner may read the variables of a project under
  // sec it is no maintainer of; a Developer may not.
  EXPECT_EQ(call("GET", "/api/v4/projects/7/variables", owner()).status, 200);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/variables", kDev)), json({{"message", "403 Forbidden"}}));
  EXPECT_EQ(call("GET", "/api/v4/projects/5/variables", kMaint).status, 200);
}

TEST_F(ResourceTokensTest, UserMembershipsAreForAdminsAndListDirectMembershipsPaged) {
  auto all = call("GET", "/api/v4/users/2/memberships", admin());
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(parse(all), json::array({{{"source_id", 265}, {"source_name", "sec"}, {"source_type", "Namespace"}, {"access_level", 50}},
                                     {{"source_id", 5}, {"source_name", "inventory-builder"}, {"source_type", "Project"}, {"access_level", 40}},
                                     {{"source_id", 6}, {"source_name", "team"}, {"source_type", "Project"}, {"access_level", 40}}}));
  EXPECT_EQ(hdr(all, "x-total"), "3");
  auto projects = parse(call("GET", "/api/v4/users/2/memberships", admin(), "", "type=Project"));
  EXPECT_EQ(projects.size(), 2u);
  auto page = call("GET", "/api/v4/users/2/memberships", admin(), "", "per_page=1&page=2");
  EXPECT_EQ(parse(page)[0]["source_id"], 5);
  EXPECT_EQ(hdr(page, "x-next-page"), "3");
  EXPECT_EQ(hdr(page, "link").find("<http://gitlab.test/api/v4/users/2/memberships?page=1&per_page=1>; rel=\"prev\""), 0u);
  EXPECT_EQ(parse(call("GET", "/api/v4/users/2/memberships", admin(), "", "type=Group")),
            json({{"error", "type does not have a valid value"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/users/4242/memberships", admin())), json({{"message", "404 User Not Found"}}));

  auto owner_ = call("GET", "/api/v4/users/2/memberships", owner());
  EXPECT_EQ(owner_.status, 403);
  EXPECT_EQ(parse(owner_), json({{"message", "403 Forbidden"}}));
  EXPECT_EQ(call("GET", "/api/v4/users/2/memberships", kReadUser).status, 200);   // read_user suffices for a GET

  json s = seed;
  s["admin_mode"] = true;
  gl = std::make_unique<FakeGitLab>(s, clock, &clock);
  EXPECT_EQ(call("GET", "/api/v4/users/2/memberships", admin()).status, 403);   // no admin_mode scope
}

TEST_F(ResourceTokensTest, CurrentUserShowsIsAdminOnlyToAdmins) {
  auto root = call("GET", "/api/v4/user", admin());
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(parse(root), json({{"id", 1}, {"username", "root"}, {"name", "Administrator"}, {"state", "active"},
                               {"locked", false}, {"avatar_url", nullptr}, {"web_url", "http://gitlab.test/root"},
                               {"bot", false}, {"is_admin", true}}));
  auto plain = parse(call("GET", "/api/v4/user", owner()));
  EXPECT_EQ(plain["username"], "sec-owner");
  EXPECT_FALSE(plain.contains("is_admin"));
  EXPECT_EQ(parse(call("GET", "/api/v4/user", kReadUser))["is_admin"], true);
  EXPECT_EQ(call("GET", "/api/v4/personal_access_tokens", kReadUser).status, 403);   // read_user is not read_api
  EXPECT_EQ(parse(call("GET", "/api/v4/user", ""))["message"], "401 Unauthorized");
}

TEST_F(ResourceTokensTest, GroupsAreVisibleToTheirMembers) {
  auto sub = call("GET", "/api/v4/groups/sec%2Fplatform", owner());
  ASSERT_EQ(sub.status, 200);
  EXPECT_EQ(parse(sub), json({{"id", 300}, {"name", "platform"}, {"path", "platform"}, {"full_path", "sec/platform"},
                              {"full_name", "sec/platform"}, {"parent_id", 265},
                              {"web_url", "http://gitlab.test/groups/sec/platform"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265", kGroupMaint))["parent_id"], nullptr);
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/265", kDev)), json({{"message", "404 Group Not Found"}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/groups/999", admin())), json({{"message", "404 Group Not Found"}}));
}

// --- protected branches and environments --------------------------------------------------------

TEST_F(ResourceTokensTest, ProtectedBranchesAndEnvironmentsHaveGitLabsShapes) {
  json b = control("/_fake/protected_branches", {{"project", "sec/inventory-builder"}, {"name", "main"}, {"user_id", 4}});
  control("/_fake/protected_branches", {{"project", 5}, {"name", "main"}, {"group_id", 300}, {"kind", "unprotect"}});
  control("/_fake/protected_branches", {{"project", 5}, {"name", "release/*"}, {"access_level", 0}, {"kind", "push"},
                                        {"allow_force_push", true}});
  json e = control("/_fake/protected_environments", {{"project", 5}, {"name", "production"}, {"user_id", 3},
                                                     {"kind", "approval"}, {"required_approvals", 2},
                                                     {"required_approval_count", 2}});
  const int64_t r = b["push_access_levels"][0]["id"];   // rule ids count up from here

  auto branches = call("GET", "/api/v4/projects/5/protected_branches", kDev);
  ASSERT_EQ(branches.status, 200);
  EXPECT_EQ(hdr(branches, "x-total"), "2");
  EXPECT_EQ(parse(branches)[0],
            json({{"id", b["id"]},
                  {"name", "main"},
                  {"push_access_levels",
                   {{{"id", r}, {"access_level", 40}, {"access_level_description", "Maintainers"}, {"user_id", nullptr}, {"group_id", nullptr}},
                    {{"id", r + 2}, {"access_level", 40}, {"access_level_description", "User maint"}, {"user_id", 4}, {"group_id", nullptr}}}},
                  {"merge_access_levels",
                   {{{"id", r + 1}, {"access_level", 40}, {"access_level_description", "Maintainers"}, {"user_id", nullptr}, {"group_id", nullptr}}}},
                  {"unprotect_access_levels",
                   {{{"id", r + 3}, {"access_level", 40}, {"access_level_description", "platform"}, {"user_id", nullptr}, {"group_id", 300}}}},
                  {"allow_force_push", false},
                  {"code_owner_approval_required", false}}));
  auto release = parse(branches)[1];
  EXPECT_EQ(release["allow_force_push"], true);
  EXPECT_EQ(release["push_access_levels"][1]["access_level_description"], "No one");
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/protected_branches", kDev, "", "search=release")).size(), 1u);
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/protected_branches", kOutsider)), json({{"message", "404 Project Not Found"}}));

  auto envs = call("GET", "/api/v4/projects/5/protected_environments", kMaint);
  ASSERT_EQ(envs.status, 200);
  const int64_t d = e["deploy_access_levels"][0]["id"];
  EXPECT_EQ(parse(envs), json::array({{{"name", "production"},
                                       {"deploy_access_levels",
                                        {{{"id", d}, {"access_level", 40}, {"access_level_description", "Maintainers"},
                                          {"user_id", nullptr}, {"group_id", nullptr}, {"group_inheritance_type", 0}}}},
                                       {"required_approval_count", 2},
                                       {"approval_rules",
                                        {{{"id", d + 1}, {"access_level", 40}, {"access_level_description", "User dev"},
                                          {"user_id", 3}, {"group_id", nullptr}, {"group_inheritance_type", 0},
                                          {"required_approvals", 2}}}}}}));
  EXPECT_EQ(parse(call("GET", "/api/v4/projects/5/protected_environments", kDev)), json({{"message", "403 Forbidden"}}));

  // Both are part of the state and survive a reset with it.
  json state = gl->state();
  ASSERT_EQ(call("POST", "/_fake/reset", "", state.dump()).status, 200);
  EXPECT_EQ(gl->state(), state);
}

// --- control routes and seeds -------------------------------------------------------------------

TEST_F(ResourceTokensTest, ControlRoutesSeedTokensAndMembers) {
  auto res = call("POST", "/_fake/resource_tokens", "",
                  json{{"group", "sec"}, {"name", "nightly"}, {"access_level", 30}, {"scopes", {"read_api"}},
                       {"expires_at", in(3)}, {"value", "glpat-seeded-group-000001"},
                       {"last_used_at", "2025-05-30T08:00:00.000Z"}}.dump());
  ASSERT_EQ(res.status, 201);
  json t = parse(res);
  EXPECT_EQ(t["token"], "glpat-seeded-group-000001");
  EXPECT_EQ(t["resource_type"], "group");
  EXPECT_EQ(t["access_level"], 30);
  EXPECT_EQ(t["last_used_at"], "2025-05-30T08:00:00.000Z");
  EXPECT_EQ(t["bot_username"].get<std::string>().rfind("group_265_bot_", 0), 0u);
  EXPECT_EQ(userOf("glpat-seeded-group-000001"), t["user_id"].get<int64_t>());
  auto listed = parse(call("GET", "/api/v4/groups/265/access_tokens", owner(), "", "expires_before=" + in(4)));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], t["id"]);

  // A second token for the same bot user, revoked, without expiry; a random value.
  json second = control("/_fake/resource_tokens", {{"group", 265}, {"bot_user_id", t["user_id"]}, {"name", "nightly"},
                                                   {"expires_at", nullptr}, {"revoked", true}});
  EXPECT_EQ(second["user_id"], t["user_id"]);
  EXPECT_EQ(second["expires_at"], nullptr);
  EXPECT_EQ(second["revoked"], true);
  EXPECT_EQ(second["token"].get<std::string>().rfind("glpat-", 0), 0u);
  EXPECT_EQ(call("POST", "/_fake/resource_tokens", "", json{{"project", 5}, {"bot_user_id", t["user_id"]}}.dump()).status, 400);
  EXPECT_EQ(call("POST", "/_fake/resource_tokens", "", json{{"project", 5}, {"value", "glpat-seeded-group-000001"}}.dump()).status,
            400);

  // Members: set, change, remove; a maintainer moved down leaves `maintainers`.
  EXPECT_EQ(control("/_fake/members", {{"user_id", 7}, {"project", "sec/team"}, {"access_level", 40}}),
            json({{"user_id", 7}, {"source_type", "project"}, {"source_id", 6}, {"access_level", 40}}));
  EXPECT_EQ(call("GET", "/api/v4/projects/6/access_tokens", kOutsider).status, 200);
  control("/_fake/members", {{"user_id", 7}, {"project", 6}, {"access_level", 0}});
  EXPECT_EQ(call("GET", "/api/v4/projects/6/access_tokens", kOutsider).status, 404);
  control("/_fake/members", {{"user_id", 2}, {"project", 6}, {"access_level", 20}});
  EXPECT_EQ(parse(call("GET", "/api/v4/users/2/memberships", admin(), "", "type=Project"))[1]["access_level"], 20);

  auto bad = [&](const std::string& path, const json& body) { return call("POST", path, "", body.dump()); };
  auto unknownUser = bad("/_fake/members", {{"user_id", 999}, {"project", 5}, {"access_level", 30}});
  EXPECT_EQ(unknownUser.status, 404);
  EXPECT_EQ(parse(unknownUser), json({{"error", "no user 999"}}));
  EXPECT_EQ(parse(bad("/_fake/members", {{"user_id", 3}, {"project", 5}, {"group", 265}, {"access_level", 30}})),
            json({{"error", "give exactly one of project and group"}}));
  EXPECT_EQ(bad("/_fake/members", {{"user_id", 3}, {"project", 5}, {"access_level", 35}}).status, 400);
  EXPECT_EQ(bad("/_fake/members", {{"user_id", 3}, {"project", "nope/nope"}, {"access_level", 30}}).status, 404);
  EXPECT_EQ(bad("/_fake/protected_branches", {{"group", 265}, {"name", "main"}}).status, 400);
  EXPECT_EQ(bad("/_fake/protected_environments", {{"project", 5}, {"name", "production"}, {"kind", "merge"}}).status, 400);
  EXPECT_EQ(call("POST", "/_fake/members", "", "[1]").status, 400);
  EXPECT_EQ(call("GET", "/api/v4/_fake/members", admin()).status, 404);
}

TEST_F(ResourceTokensTest, TheSeedFormatCarriesBotUsersResourceTokensAndMembers) {
  json s = seed;
  s["users"].push_back({{"id", 50}, {"username", "project_5_bot_seeded"}, {"name", "seeded"},
                        {"bot_of", {{"resource_type", "project"}, {"resource_id", 5}}}});
  s["tokens"].push_back({{"id", 500}, {"user_id", 50}, {"name", "seeded"}, {"scopes", {"api"}}, {"expires_at", in(10)},
                         {"value", "glpat-seeded-project-0050"}, {"resource_type", "project"}, {"resource_id", 5},
                         {"access_level", 20}});
  s["members"].push_back({{"user_id", 50}, {"source_type", "project"}, {"source_id", 5}, {"access_level", 20}});
  s["projects"][0]["protected_branches"] = json::array({{{"name", "main"}, {"push_access_levels", {{{"user_id", 50}}}}}});
  gl = std::make_unique<FakeGitLab>(s, clock, &clock);

  auto t = parse(call("GET", "/api/v4/projects/5/access_tokens/500", kMaint));
  EXPECT_EQ(t["access_level"], 20);
  EXPECT_EQ(t["user_id"], 50);
  auto rotated = call("POST", "/api/v4/projects/5/access_tokens/self/rotate", "glpat-seeded-project-0050");
  ASSERT_EQ(rotated.status, 200);
  EXPECT_EQ(parse(rotated)["access_level"], 20);
  auto branch = parse(call("GET", "/api/v4/projects/5/protected_branches", kMaint))[0];
  EXPECT_EQ(branch["push_access_levels"][0]["access_level_description"], "seeded");
  EXPECT_GT(branch["id"].get<int64_t>(), 0);

  json state = gl->state();
  EXPECT_EQ(FakeGitLab(state, clock).state(), state);

  auto refused = [&](json bad) { return call("POST", "/_fake/reset", "", bad.dump()).status; };
  json notBot = s;
  notBot["tokens"].back()["user_id"] = 3;   // a human holding a project token
  EXPECT_EQ(refused(notBot), 400);
  json badMember = s;
  badMember["members"].push_back({{"user_id", 3}, {"source_type", "project"}, {"source_id", 999}, {"access_level", 30}});
  EXPECT_EQ(refused(badMember), 400);
  json badLevel = s;
  badLevel["members"].push_back({{"user_id", 3}, {"source_type", "group"}, {"source_id", 265}, {"access_level", 60}});
  EXPECT_EQ(refused(badLevel), 400);
  json orphan = s;
  orphan["tokens"].push_back({{"id", 501}, {"user_id", 77}, {"value", "glpat-orphan-0000000001"},
                              {"resource_type", "project"}, {"resource_id", 5}});
  EXPECT_EQ(refused(orphan), 400);   // only a revoked token may outlive its bot user
  orphan["tokens"].back()["revoked"] = true;
  EXPECT_EQ(refused(orphan), 200);
}

}  // namespace
}  // namespace patbot::fakes
