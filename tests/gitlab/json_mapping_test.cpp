#include "gitlab/json_mapping.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace patbot::gitlab {
namespace {

using namespace std::chrono;

constexpr const char* kListedToken = R"({"id":4,"name":"deploy-bot","revoked":false,
  "created_at":"2024-07-11T18:55:07.266Z","description":null,"scopes":["api"],"user_id":3,
  "last_used_at":"2024-10-13T12:28:02.879Z","active":true,"expires_at":"2025-07-11"})";

TEST(GitLabJsonMappingTest, ParsesTheReferenceTokenExample) {
  auto t = parseAccessToken(kListedToken);
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_EQ(t->id, 4);
  EXPECT_EQ(t->name, "deploy-bot");
  EXPECT_FALSE(t->description.has_value());
  EXPECT_EQ(t->scopes, std::vector<std::string>{"api"});
  EXPECT_EQ(t->userId, 3);
  EXPECT_FALSE(t->revoked);
  EXPECT_TRUE(t->active);
  ASSERT_TRUE(t->expiresAt.has_value());
  EXPECT_EQ(formatDate(*t->expiresAt), "2025-07-11");
  ASSERT_TRUE(t->lastUsedAt.has_value());
  EXPECT_EQ(formatTimestamp(*t->lastUsedAt), "2024-10-13T12:28:02.879Z");
  ASSERT_TRUE(t->createdAt.has_value());
  EXPECT_EQ(formatTimestamp(*t->createdAt), "2024-07-11T18:55:07.266Z");
}

TEST(GitLabJsonMappingTest, ToleratesNullsAbsentFieldsAndUnknownFields) {
  auto t = parseAccessToken(R"({"id":9,"name":"n","revoked":true,"active":false,"user_id":12,
    "expires_at":null,"last_used_at":null,"expired":true,"granular":false,
    "last_used_ips":["10.0.0.1"],"granular_scopes":[],"impersonation":false})");
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_EQ(t->id, 9);
  EXPECT_TRUE(t->revoked);
  EXPECT_FALSE(t->active);
  EXPECT_TRUE(t->scopes.empty());
  EXPECT_FALSE(t->description.has_value());
  EXPECT_FALSE(t->expiresAt.has_value());
  EXPECT_FALSE(t->lastUsedAt.has_value());
  EXPECT_FALSE(t->createdAt.has_value());
}

TEST(GitLabJsonMappingTest, KeepsADescriptionWhenPresent) {
  auto t = parseAccessToken(R"({"id":1,"name":"x","description":"Inventory builder","scopes":["read_api","api"]})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->description, "Inventory builder");
  EXPECT_EQ(t->scopes, (std::vector<std::string>{"read_api", "api"}));
}

TEST(GitLabJsonMappingTest, ParsesTokenArraysAndEmptyPages) {
  auto tokens = parseAccessTokens(std::string("[") + kListedToken + "," +
                                  R"({"id":5,"name":"other","revoked":false,"active":true,"scopes":[],
                                      "user_id":3,"expires_at":"2026-01-02","description":"d"}])");
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[1].id, 5);
  EXPECT_EQ(formatDate(*(*tokens)[1].expiresAt), "2026-01-02");

  auto empty = parseAccessTokens("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(GitLabJsonMappingTest, ParsesServiceAccountsIgnoringExtraFields) {
  auto accounts = parseServiceAccounts(R"([
    {"id":132,"username":"service_account_group_265_62c6","name":"Service account user",
     "email":"service_account_group_265_62c6@noreply.gitlab.example.com"},
    {"id":57,"username":"inventory-bot","name":"Inventory","unconfirmed_email":"x@y"}])");
  ASSERT_TRUE(accounts.ok()) << accounts.error().detail;
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ((*accounts)[0].id, 132);
  EXPECT_EQ((*accounts)[0].username, "service_account_group_265_62c6");
  EXPECT_EQ((*accounts)[0].name, "Service account user");
  EXPECT_EQ((*accounts)[1].username, "inventory-bot");

  auto one = parseServiceAccount(R"({"id":3,"username":"u","name":null})");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->name, "");
}

// `parsed` failed as an answer patbot cannot read: kProtocol, the sentence a user reads, and a
// detail (for the logs) naming `detailPart`.
template <typename T>
void expectUnreadable(const Result<T>& parsed, const std::string& detailPart) {
  ASSERT_FALSE(parsed.ok()) << "read without complaint; expected " << detailPart;
  const Error& e = parsed.error();
  EXPECT_EQ(e.kind, ErrorKind::kProtocol);
  EXPECT_EQ(e.message, "GitLab sent an answer patbot could not read");
  EXPECT_NE(e.detail.find(detailPart), std::string::npos) << e.detail;
}

TEST(GitLabJsonMappingTest, MalformedJsonIsAProtocolError) {
  for (const char* text : {"", "{", "[{\"id\":1,", "<html>Sign in</html>", "not json"}) {
    SCOPED_TRACE(text);
    expectUnreadable(parseAccessTokens(text), "malformed JSON");
    expectUnreadable(parseServiceAccounts(text), "malformed JSON");
  }
}

TEST(GitLabJsonMappingTest, WrongTypesNameTheField) {
  expectUnreadable(parseAccessTokens(R"([{"id":1,"name":"a"},{"id":"2","name":"b"}])"),
                   "token [1]: field \"id\" is string");
  expectUnreadable(parseAccessToken(R"({"id":1,"name":"a","scopes":"api"})"), "field \"scopes\"");
  expectUnreadable(parseAccessToken(R"({"id":1,"name":"a","scopes":["api",3]})"), "field \"scopes\"");
  expectUnreadable(parseAccessToken(R"({"id":1,"name":"a","revoked":"false"})"), "field \"revoked\"");
  expectUnreadable(parseAccessToken(R"({"id":1,"name":"a","expires_at":"soon"})"), "field \"expires_at\" is not a date");
  expectUnreadable(parseAccessToken(R"({"name":"a"})"), "field \"id\" is missing");
  expectUnreadable(parseServiceAccounts(R"({"message":"401 Unauthorized"})"), "expected an array");
  expectUnreadable(parseServiceAccounts("[1]"), "service account [0]");
  expectUnreadable(parseServiceAccounts(R"([{"id":1,"username":7}])"), "field \"username\" is number");
}

TEST(GitLabJsonMappingTest, CreatedTokenCarriesTheValueAsASecret) {
  const std::string value = "glpat-Fmnvoj6H8eg7Re8TNztv";
  auto created = parseCreatedToken(R"({"id":42,"name":"deploy-bot","revoked":false,"created_at":"2025-01-01T00:00:00.000Z",
    "description":"d","scopes":["api"],"user_id":3,"last_used_at":null,"active":true,
    "expires_at":"2026-01-01","token":")" + value + R"("})");
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_EQ(created->token.id, 42);
  EXPECT_EQ(created->value.reveal(), value);
  EXPECT_EQ(fmt::format("{}", created->value), "[redacted]");

  expectUnreadable(parseCreatedToken(kListedToken), "field \"token\" is missing");
}

TEST(GitLabJsonMappingTest, ErrorsNeverQuoteTheTokenValue) {
  const std::string value = "glpat-SECRETSECRETSECRET1234";
  // Malformed right after the value, and a wrong type elsewhere in the same object.
  for (const std::string& text :
       {R"({"id":1,"name":"a","token":")" + value + R"(" ,,})",
        R"({"id":"1","name":"a","token":")" + value + R"("})",
        R"({"id":1,"name":"a","scopes":7,"token":")" + value + R"("})"}) {
    auto created = parseCreatedToken(text);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().message.find(value), std::string::npos);
    EXPECT_EQ(created.error().detail.find(value), std::string::npos) << created.error().detail;
  }
}

TEST(GitLabJsonMappingTest, ToJsonRoundTrips) {
  auto parsed = parseAccessToken(kListedToken);
  ASSERT_TRUE(parsed.ok());
  nlohmann::json j = toJson(*parsed);
  EXPECT_EQ(j["expires_at"], "2025-07-11");
  EXPECT_TRUE(j["description"].is_null());
  EXPECT_EQ(j["last_used_at"], "2024-10-13T12:28:02.879Z");
  EXPECT_FALSE(j.contains("token"));

  auto back = accessTokenFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->id, parsed->id);
  EXPECT_EQ(back->name, parsed->name);
  EXPECT_EQ(back->description, parsed->description);
  EXPECT_EQ(back->scopes, parsed->scopes);
  EXPECT_EQ(back->userId, parsed->userId);
  EXPECT_EQ(back->revoked, parsed->revoked);
  EXPECT_EQ(back->active, parsed->active);
  EXPECT_EQ(back->expiresAt, parsed->expiresAt);
  EXPECT_EQ(back->lastUsedAt, parsed->lastUsedAt);
  EXPECT_EQ(back->createdAt, parsed->createdAt);

  AccessToken bare;
  bare.id = 7;
  bare.name = "never-expires";
  auto bareBack = accessTokenFromJson(toJson(bare));
  ASSERT_TRUE(bareBack.ok());
  EXPECT_FALSE(bareBack->expiresAt.has_value());
  EXPECT_FALSE(bareBack->lastUsedAt.has_value());
  EXPECT_TRUE(toJson(bare)["expires_at"].is_null());
}

TEST(GitLabJsonMappingTest, AccessTokenFromJsonRejectsNonObjects) {
  auto r = accessTokenFromJson(nlohmann::json::array());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
}

}  // namespace
}  // namespace patbot::gitlab
