// FakeKubernetes against reference/secret-sinks.md §2, through handle() (no server). Status
// bodies are compared exactly; decoded values come from state().
#include "sim/fake_kubernetes.h"

#include <gtest/gtest.h>

namespace patbot::fakes {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kSa = "system:serviceaccount:ci:patbot";
const std::string kPath = "/api/v1/namespaces/ci/secrets/gitlab-token";

json seed() {
  return json::parse(R"({
    "resource_version": 500,
    "tokens": [{"token": "k-patbot", "service_account": "system:serviceaccount:ci:patbot"},
               {"token": "k-reader", "service_account": "system:serviceaccount:ci:reader"},
               {"token": "k-old", "service_account": "system:serviceaccount:ci:patbot", "expires_at": "2025-05-01T00:00:00Z"}],
    "rbac": [{"service_account": "system:serviceaccount:ci:patbot", "namespace": "ci", "verbs": ["get", "patch"],
              "resource_names": ["gitlab-token", "frozen"]},
             {"service_account": "system:serviceaccount:ci:patbot", "namespace": "prod", "verbs": ["get", "patch"],
              "resource_names": ["gitlab-token"]},
             {"service_account": "system:serviceaccount:ci:reader", "namespace": "ci", "verbs": ["get"]}],
    "secrets": [{"namespace": "ci", "name": "gitlab-token", "uid": "uid-1", "resource_version": "42",
                 "creation_timestamp": "2025-01-01T00:00:00Z", "string_data": {"token": "old", "user": "bot"}},
                {"namespace": "ci", "name": "other", "string_data": {"k": "v"}},
                {"namespace": "ci", "name": "frozen", "immutable": true, "string_data": {"token": "ice"}},
                {"namespace": "staging", "name": "gitlab-token", "string_data": {"token": "s"}}]
  })");
}

class FakeKubernetesTest : public ::testing::Test {
 protected:
  FakeClock clock{TimePoint(std::chrono::sys_days(std::chrono::year(2025) / 6 / 1)) + 10h};
  std::unique_ptr<FakeKubernetes> k8s = std::make_unique<FakeKubernetes>(seed(), clock);

  http::Response call(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "", const std::string& query = "",
                      const std::string& contentType = "application/merge-patch+json") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    if (!body.empty()) r.headers["content-type"] = contentType;
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return k8s->handle(r);
  }
  static json parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }
  json stateOf(const std::string& ns, const std::string& name) {
    const json st = k8s->state();
    for (const auto& s : st["secrets"]) {
      if (s["namespace"] == ns && s["name"] == name) return s;
    }
    return nullptr;
  }
  static std::string forbidden(const std::string& name, const std::string& verb, const std::string& ns,
                               const std::string& sa = kSa) {
    return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"},
                {"message", "secrets \"" + name + "\" is forbidden: User \"" + sa + "\" cannot " + verb +
                                " resource \"secrets\" in API group \"\" in the namespace \"" + ns + "\""},
                {"reason", "Forbidden"}, {"details", {{"name", name}, {"kind", "secrets"}}}, {"code", 403}}
        .dump();
  }
};

TEST_F(FakeKubernetesTest, GetAnswersTheSecretWithBase64Data) {
  auto r = call("GET", kPath, "k-patbot");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r), json::parse(R"({"kind":"Secret","apiVersion":"v1",
    "metadata":{"name":"gitlab-token","namespace":"ci","uid":"uid-1","resourceVersion":"42",
                "creationTimestamp":"2025-01-01T00:00:00Z"},
    "data":{"token":"b2xk","user":"Ym90"},"type":"Opaque"})"));
}

TEST_F(FakeKubernetesTest, PatchKeepsOtherKeysAndBumpsResourceVersion) {
  auto r = call("PATCH", kPath, "k-patbot", R"({"metadata":{"resourceVersion":"42"},"data":{"token":"bmV3"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  json b = parse(r);
  EXPECT_EQ(b["data"], json({{"token", "bmV3"}, {"user", "Ym90"}}));
  EXPECT_EQ(b["metadata"]["resourceVersion"], "501");
  json st = stateOf("ci", "gitlab-token");
  EXPECT_EQ(st["values"], json({{"token", "new"}, {"user", "bot"}}));
  EXPECT_EQ(st["resource_version"], "501");
  auto strategic = call("PATCH", kPath, "k-patbot", R"({"data":{"user":"YWRtaW4="}})", "",
                        "application/strategic-merge-patch+json");
  ASSERT_EQ(strategic.status, 200);
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"], json({{"token", "new"}, {"user", "admin"}}));
  EXPECT_EQ(stateOf("ci", "gitlab-token")["resource_version"], "502");
}

TEST_F(FakeKubernetesTest, PatchThatChangesNothingKeepsResourceVersion) {
  auto r = call("PATCH", kPath, "k-patbot", R"({"data":{"token":"b2xk"}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r)["metadata"]["resourceVersion"], "42");
}

TEST_F(FakeKubernetesTest, StaleResourceVersionIs409AndChangesNothing) {
  auto r = call("PATCH", kPath, "k-patbot", R"({"metadata":{"resourceVersion":"41"},"data":{"token":"bmV3"}})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"Operation cannot be fulfilled on secrets \"gitlab-token\": the object has been modified; please apply your changes to the latest version and try again",
    "reason":"Conflict","details":{"name":"gitlab-token","kind":"secrets"},"code":409})").dump());
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "old");
  EXPECT_EQ(stateOf("ci", "gitlab-token")["resource_version"], "42");
}

TEST_F(FakeKubernetesTest, EditBetweenGetAndPatchMakesThePatchConflict) {
  std::string rv = parse(call("GET", kPath, "k-patbot"))["metadata"]["resourceVersion"];
  auto e = k8s->handle({"POST", "/_fake/edit", "", {}, R"({"namespace":"ci","name":"gitlab-token","string_data":{"token":"theirs"}})", ""});
  ASSERT_EQ(e.status, 200);
  EXPECT_EQ(parse(e)["metadata"]["resourceVersion"], "501");
  auto r = call("PATCH", kPath, "k-patbot", json{{"metadata", {{"resourceVersion", rv}}}, {"data", {{"token", "bWluZQ=="}}}}.dump());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "theirs");
}

TEST_F(FakeKubernetesTest, DryRunAnswersTheWouldBeObjectAndStoresNothing) {
  auto r = call("PATCH", kPath, "k-patbot", R"({"metadata":{"resourceVersion":"42"},"data":{"token":"bmV3"}})", "dryRun=All");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r)["data"], json({{"token", "bmV3"}, {"user", "Ym90"}}));
  EXPECT_EQ(parse(r)["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "old");
  EXPECT_EQ(stateOf("ci", "gitlab-token")["resource_version"], "42");
  auto stale = call("PATCH", kPath, "k-patbot", R"({"metadata":{"resourceVersion":"1"},"data":{"token":"bmV3"}})", "dryRun=All");
  EXPECT_EQ(stale.status, 409) << "a dry run validates the precondition too";
}

TEST_F(FakeKubernetesTest, RbacForbidsUnnamedSecretsOtherNamespacesAndMissingVerbs) {
  auto unnamed = call("GET", "/api/v1/namespaces/ci/secrets/other", "k-patbot");
  EXPECT_EQ(unnamed.status, 403);
  EXPECT_EQ(unnamed.body, forbidden("other", "get", "ci"));
  auto otherNs = call("PATCH", "/api/v1/namespaces/staging/secrets/gitlab-token", "k-patbot", R"({"data":{}})");
  EXPECT_EQ(otherNs.status, 403);
  EXPECT_EQ(otherNs.body, forbidden("gitlab-token", "patch", "staging"));
  auto verb = call("PATCH", kPath, "k-reader", R"({"data":{"token":"eA=="}})");
  EXPECT_EQ(verb.status, 403);
  EXPECT_EQ(verb.body, forbidden("gitlab-token", "patch", "ci", "system:serviceaccount:ci:reader"));
  EXPECT_EQ(call("GET", "/api/v1/namespaces/ci/secrets/other", "k-reader").status, 200) << "no resourceNames = all";
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "old");
}

TEST_F(FakeKubernetesTest, MissingSecretIs404AfterRbac) {
  auto r = call("GET", "/api/v1/namespaces/prod/secrets/gitlab-token", "k-patbot");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"secrets \"gitlab-token\" not found","reason":"NotFound",
    "details":{"name":"gitlab-token","kind":"secrets"},"code":404})").dump());
  EXPECT_EQ(call("PATCH", "/api/v1/namespaces/prod/secrets/gitlab-token", "k-patbot", R"({"data":{}})").status, 404);
}

TEST_F(FakeKubernetesTest, ImmutableSecretDataIs422Invalid) {
  auto r = call("PATCH", "/api/v1/namespaces/ci/secrets/frozen", "k-patbot", R"({"data":{"token":"bmV3"}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"Secret \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set",
    "reason":"Invalid","details":{"name":"frozen","kind":"Secret","causes":[{"reason":"FieldValueForbidden",
    "message":"Forbidden: field is immutable when `immutable` is set","field":"data"}]},"code":422})").dump());
  EXPECT_EQ(stateOf("ci", "frozen")["values"]["token"], "ice");
  auto both = call("PATCH", "/api/v1/namespaces/ci/secrets/frozen", "k-patbot", R"({"immutable":false,"data":{"token":"bmV3"}})");
  EXPECT_EQ(both.status, 422);
  EXPECT_EQ(parse(both)["message"],
            "Secret \"frozen\" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, "
            "data: Forbidden: field is immutable when `immutable` is set]");
}

TEST_F(FakeKubernetesTest, UnauthorizedWithoutAValidToken) {
  const std::string body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})";
  for (const std::string token : {"", "nope", "k-old"}) {
    auto r = call("GET", kPath, token);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(parse(r), json::parse(body)) << token;
  }
}

TEST_F(FakeKubernetesTest, PatchBodyAndMediaTypeErrors) {
  auto media = call("PATCH", kPath, "k-patbot", R"({"data":{}})", "", "application/json");
  EXPECT_EQ(media.status, 415);
  EXPECT_EQ(parse(media)["reason"], "UnsupportedMediaType");
  EXPECT_EQ(parse(media)["message"],
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
            "application/strategic-merge-patch+json");
  auto b64 = call("PATCH", kPath, "k-patbot", R"({"data":{"token":"no!"}})");
  EXPECT_EQ(b64.status, 400);
  EXPECT_EQ(parse(b64)["reason"], "BadRequest");
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "old");
}

TEST_F(FakeKubernetesTest, Fault429CarriesRetryAfter) {
  k8s->handle({"POST", "/_fake/fault", "", {}, R"({"method":"PATCH","status":429,"count":1})", ""});
  auto r = call("PATCH", kPath, "k-patbot", R"({"data":{"token":"bmV3"}})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(parse(r)["reason"], "TooManyRequests");
  EXPECT_EQ(parse(r)["details"]["retryAfterSeconds"], 1);
  EXPECT_EQ(stateOf("ci", "gitlab-token")["values"]["token"], "old");
  EXPECT_EQ(call("PATCH", kPath, "k-patbot", R"({"data":{"token":"bmV3"}})").status, 200);
}

TEST_F(FakeKubernetesTest, CallLogNamesServiceAccountsNeverTokens) {
  call("GET", kPath, "k-patbot");
  call("GET", kPath, "");
  auto r = k8s->handle({"GET", "/_fake/calls", "", {}, "", ""});
  json calls = parse(r);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["auth"], kSa);
  EXPECT_EQ(calls[0]["status"], 200);
  EXPECT_EQ(calls[1]["auth"], "none");
  EXPECT_EQ(calls[1]["status"], 401);
  EXPECT_EQ(r.body.find("k-patbot"), std::string::npos);
  EXPECT_EQ(r.body.find("b2xk"), std::string::npos);
}

TEST_F(FakeKubernetesTest, ResetAndStateRoundTrip) {
  call("PATCH", kPath, "k-patbot", R"({"data":{"token":"bmV3"}})");
  json st = k8s->state();
  ASSERT_EQ(k8s->handle({"POST", "/_fake/reset", "", {}, st.dump(), ""}).status, 200);
  EXPECT_EQ(k8s->state(), st);
  EXPECT_EQ(k8s->handle({"POST", "/_fake/reset", "", {}, R"({"secrets":[{"name":"x","data":{"k":"???"}}]})", ""}).status, 400);
}

TEST(Base64, RoundTripsAndReportsTheBadByte) {
  for (const std::string s : {"", "a", "ab", "abc", "abcd", "glpat-xyz\n\x01"}) {
    std::string out;
    size_t bad = 0;
    ASSERT_TRUE(base64Decode(base64Encode(s), out, bad)) << s;
    EXPECT_EQ(out, s);
  }
  std::string out;
  size_t bad = 99;
  EXPECT_FALSE(base64Decode("ab!d", out, bad));
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(base64Decode("a=bc", out, bad));
  EXPECT_EQ(bad, 1u);
}

}  // namespace
}  // namespace patbot::fakes
