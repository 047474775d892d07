// FakeVault against reference/secret-sinks.md §1, through handle() (no server). Bodies are
// compared exactly; secret values are read from state(), never printed by the fake.
#include "sim/fake_vault.h"

#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace patbot::fakes {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kPolicyDenied = R"({"errors":["1 error occurred:\n\t* permission denied\n\n"]})";
const std::string kDenied = R"({"errors":["permission denied"]})";

json seed() {
  return json::parse(R"({
    "mounts": [{"path": "secret"}, {"path": "strict", "cas_required": true}, {"namespace": "team-a", "path": "secret"}],
    "secrets": [
      {"mount": "secret", "path": "ci/deploy", "versions": [{"data": {"token": "v1", "user": "bot"}},
                                                           {"data": {"token": "v2", "user": "bot"}}]},
      {"mount": "secret", "path": "other/x", "data": {"k": "v"}},
      {"mount": "strict", "path": "app", "data": {"token": "s1"}},
      {"namespace": "team-a", "mount": "secret", "path": "ci/deploy", "data": {"token": "team-a"}}
    ],
    "policies": {
      "rw": {"secret/data/ci/*": ["read", "create", "update", "patch"], "strict/data/*": ["read", "update"],
             "secret/metadata/ci/*": ["list"], "team-a/secret/data/ci/*": ["read"]},
      "ro": {"secret/data/ci/*": ["read"]},
      "nopatch": {"secret/data/ci/*": ["read", "update"]},
      "denied": {"secret/data/ci/*": ["read"], "secret/data/ci/deploy": ["deny"]}
    },
    "tokens": [{"name": "rw", "token": "t-rw", "policies": ["rw"]},
               {"name": "ro", "token": "t-ro", "policies": ["ro"]},
               {"name": "nopatch", "token": "t-np", "policies": ["nopatch"]},
               {"name": "denied", "token": "t-deny", "policies": ["denied"]},
               {"name": "team", "token": "t-team", "namespace": "team-a", "policies": ["ro"]},
               {"name": "old", "token": "t-old", "policies": ["rw"], "expires_at": "2025-05-01T00:00:00Z"}],
    "kubernetes": {
      "service_accounts": [{"jwt": "jwt-patbot", "name": "patbot", "namespace": "ci", "uid": "u-1"},
                           {"jwt": "jwt-other", "name": "other", "namespace": "ci", "uid": "u-2"},
                           {"jwt": "jwt-elsewhere", "name": "patbot", "namespace": "prod", "uid": "u-3"}],
      "roles": [{"name": "patbot", "bound_service_account_names": ["patbot"],
                 "bound_service_account_namespaces": ["ci"], "policies": ["rw"], "ttl": 600}]}
  })");
}

class FakeVaultTest : public ::testing::Test {
 protected:
  FakeClock clock{TimePoint(std::chrono::sys_days(std::chrono::year(2025) / 6 / 1)) + 10h};
  std::unique_ptr<FakeVault> vault = std::make_unique<FakeVault>(seed(), clock);

  http::Response call(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "", const std::string& query = "",
                      const std::string& contentType = "application/json", const std::string& ns = "") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    if (!body.empty()) r.headers["content-type"] = contentType;
    if (!token.empty()) r.headers["x-vault-token"] = token;
    if (!ns.empty()) r.headers["x-vault-namespace"] = ns;
    return vault->handle(r);
  }
  http::Response patch(const std::string& path, const std::string& token, const std::string& body) {
    return call("PATCH", path, token, body, "", "application/merge-patch+json");
  }
  static json parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }
  json secretState(const std::string& path, const std::string& mount = "secret", const std::string& ns = "") {
    const json st = vault->state();
    for (const auto& s : st["secrets"]) {
      if (s["path"] == path && s["mount"] == mount && s["namespace"] == ns) return s;
    }
    return nullptr;
  }
  json current(const std::string& path, const std::string& mount = "secret") {
    json s = secretState(path, mount);
    for (const auto& v : s["versions"]) {
      if (v["version"] == s["current_version"]) return v["data"];
    }
    return nullptr;
  }
};

TEST_F(FakeVaultTest, ReadAnswersDataAndMetadataOfTheLatestVersion) {
  auto r = call("GET", "/v1/secret/data/ci/deploy", "t-ro");
  ASSERT_EQ(r.status, 200);
  json b = parse(r);
  EXPECT_EQ(b["data"]["data"], json({{"token", "v2"}, {"user", "bot"}}));
  EXPECT_EQ(b["data"]["metadata"]["version"], 2);
  EXPECT_EQ(b["data"]["metadata"]["deletion_time"], "");
  EXPECT_EQ(b["data"]["metadata"]["destroyed"], false);
  EXPECT_TRUE(b["data"]["metadata"]["custom_metadata"].is_null());
  EXPECT_EQ(b["data"]["metadata"]["created_time"], "2025-06-01T10:00:00.000Z");
  EXPECT_EQ(b["lease_id"], "");
  EXPECT_EQ(b["mount_type"], "kv");

  auto v1 = call("GET", "/v1/secret/data/ci/deploy", "t-ro", "", "version=1");
  EXPECT_EQ(parse(v1)["data"]["data"]["token"], "v1");
}

TEST_F(FakeVaultTest, MissingSecretIs404WithEmptyErrors) {
  auto r = call("GET", "/v1/secret/data/ci/nothing", "t-ro");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"errors":[]})");
}

TEST_F(FakeVaultTest, DeletedLatestVersionIs404WithNullDataAndMetadata) {
  vault = std::make_unique<FakeVault>(
      json::parse(R"({"mounts":[{"path":"secret"}],"secrets":[{"path":"ci/gone","versions":[{"data":{"a":"b"},
        "deletion_time":"2025-05-01T00:00:00Z"}]}],"tokens":[{"token":"t","policies":["root"]}]})"),
      clock);
  auto r = call("GET", "/v1/secret/data/ci/gone", "t");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(parse(r)["data"]["data"].is_null());
  EXPECT_EQ(parse(r)["data"]["metadata"]["deletion_time"], "2025-05-01T00:00:00.000Z");
}

TEST_F(FakeVaultTest, TokensMissingUnknownOrExpiredArePermissionDenied) {
  for (const std::string token : {"", "nope", "t-old"}) {
    auto r = call("GET", "/v1/secret/data/ci/deploy", token);
    EXPECT_EQ(r.status, 403) << token;
    EXPECT_EQ(r.body, kDenied) << token;
  }
}

TEST_F(FakeVaultTest, MissingCapabilityIsPolicyDenied) {
  auto w = call("POST", "/v1/secret/data/ci/deploy", "t-ro", R"({"data":{"token":"x"}})");
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(w.body, kPolicyDenied);
  auto other = call("GET", "/v1/secret/data/other/x", "t-rw");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.body, kPolicyDenied);
  auto denied = call("GET", "/v1/secret/data/ci/deploy", "t-deny");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, kPolicyDenied);
  EXPECT_EQ(current("ci/deploy")["token"], "v2");
}

TEST_F(FakeVaultTest, WriteWithTheReadVersionReplacesAllFieldsAndBumpsIt) {
  auto w = call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":2},"data":{"token":"v3"}})");
  ASSERT_EQ(w.status, 200) << w.body;
  json b = parse(w);
  EXPECT_EQ(b["data"]["version"], 3);
  EXPECT_EQ(b["data"]["deletion_time"], "");
  EXPECT_EQ(b["data"]["destroyed"], false);
  EXPECT_EQ(current("ci/deploy"), json({{"token", "v3"}}));   // "user" is gone: a write replaces
  auto put = call("PUT", "/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":3},"data":{"token":"v4"}})");
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(secretState("ci/deploy")["current_version"], 4);
}

TEST_F(FakeVaultTest, StaleCasIs400AndChangesNothing) {
  auto w = call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":1},"data":{"token":"x"}})");
  EXPECT_EQ(w.status, 400);
  EXPECT_EQ(w.body, R"({"errors":["check-and-set parameter did not match the current version"]})");
  EXPECT_EQ(secretState("ci/deploy")["current_version"], 2);
  EXPECT_EQ(current("ci/deploy")["token"], "v2");
}

TEST_F(FakeVaultTest, EditBetweenReadAndWriteMakesTheWriteConflict) {
  int read = parse(call("GET", "/v1/secret/data/ci/deploy", "t-rw"))["data"]["metadata"]["version"];
  http::Request edit{"POST", "/_fake/edit", "", {}, R"({"mount":"secret","path":"ci/deploy","data":{"token":"theirs"}})", ""};
  auto e = vault->handle(edit);
  ASSERT_EQ(e.status, 200);
  EXPECT_EQ(parse(e)["version"], 3);
  auto w = call("POST", "/v1/secret/data/ci/deploy", "t-rw",
                json{{"options", {{"cas", read}}}, {"data", {{"token", "mine"}}}}.dump());
  EXPECT_EQ(w.status, 400);
  EXPECT_EQ(w.body, R"({"errors":["check-and-set parameter did not match the current version"]})");
  EXPECT_EQ(current("ci/deploy"), json({{"token", "theirs"}, {"user", "bot"}}));
}

TEST_F(FakeVaultTest, CasZeroCreatesOnlyWhenAbsent) {
  auto created = call("POST", "/v1/secret/data/ci/new", "t-rw", R"({"options":{"cas":0},"data":{"a":"1"}})");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(parse(created)["data"]["version"], 1);
  auto again = call("POST", "/v1/secret/data/ci/new", "t-rw", R"({"options":{"cas":0},"data":{"a":"2"}})");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(current("ci/new")["a"], "1");
}

TEST_F(FakeVaultTest, CasRequiredMountRejectsWritesWithoutCas) {
  auto w = call("POST", "/v1/strict/data/app", "t-rw", R"({"data":{"token":"x"}})");
  EXPECT_EQ(w.status, 400);
  EXPECT_EQ(w.body, R"({"errors":["check-and-set parameter required for this call"]})");
  EXPECT_EQ(call("POST", "/v1/strict/data/app", "t-rw", R"({"options":{"cas":1},"data":{"token":"x"}})").status, 200);
}

TEST_F(FakeVaultTest, WriteBodyErrors) {
  auto none = call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":2}})");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.body, R"({"errors":["no data provided"]})");
  auto bad = call("POST", "/v1/secret/data/ci/deploy", "t-rw", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"errors":["error parsing JSON"]})");
  auto create = call("POST", "/v1/secret/data/ci/brand-new", "t-np", R"({"data":{"a":"b"}})");
  EXPECT_EQ(create.status, 403) << "creating needs `create`, not `update`";
}

TEST_F(FakeVaultTest, PatchChangesOnlyTheNamedFields) {
  auto p = patch("/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":2},"data":{"token":"p3"}})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(parse(p)["data"]["version"], 3);
  EXPECT_EQ(current("ci/deploy"), json({{"token", "p3"}, {"user", "bot"}}));
  auto stale = patch("/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":2},"data":{"token":"x"}})");
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.body, R"({"errors":["check-and-set parameter did not match the current version"]})");
  auto absent = patch("/v1/secret/data/ci/none", "t-rw", R"({"data":{"token":"x"}})");
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(absent.body, R"({"errors":[]})");
}

TEST_F(FakeVaultTest, PatchNeedsThePatchCapabilityAndTheMergePatchType) {
  auto p = patch("/v1/secret/data/ci/deploy", "t-np", R"({"data":{"token":"x"}})");
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(p.body, kPolicyDenied);
  auto t = call("PATCH", "/v1/secret/data/ci/deploy", "t-rw", R"({"data":{"token":"x"}})");
  EXPECT_EQ(t.status, 415);
  EXPECT_EQ(t.body, R"({"errors":["PATCH requires Content-Type of application/merge-patch+json, provided application/json"]})");
  EXPECT_EQ(secretState("ci/deploy")["current_version"], 2);
}

TEST_F(FakeVaultTest, CapabilitiesSelf) {
  auto one = call("POST", "/v1/sys/capabilities-self", "t-np", R"({"paths":["secret/data/ci/deploy"]})");
  ASSERT_EQ(one.status, 200);
  json b = parse(one);
  EXPECT_EQ(b["capabilities"], json({"read", "update"}));
  EXPECT_EQ(b["secret/data/ci/deploy"], json({"read", "update"}));
  EXPECT_EQ(b["data"]["capabilities"], json({"read", "update"}));
  auto two = parse(call("POST", "/v1/sys/capabilities-self", "t-deny",
                        R"({"paths":["secret/data/ci/deploy","secret/data/ci/other"]})"));
  EXPECT_EQ(two["secret/data/ci/deploy"], json({"deny"}));
  EXPECT_EQ(two["secret/data/ci/other"], json({"read"}));
  EXPECT_FALSE(two.contains("capabilities"));
  EXPECT_EQ(call("POST", "/v1/sys/capabilities-self", "bad", R"({"paths":["x"]})").body, kDenied);
}

TEST_F(FakeVaultTest, KubernetesLoginGivesALeasedTokenWithTheRolePolicies) {
  auto r = call("POST", "/v1/auth/kubernetes/login", "", R"({"role":"patbot","jwt":"jwt-patbot"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json auth = parse(r)["auth"];
  EXPECT_EQ(auth["lease_duration"], 600);
  EXPECT_EQ(auth["renewable"], true);
  EXPECT_EQ(auth["policies"], json({"default", "rw"}));
  EXPECT_EQ(auth["metadata"]["service_account_name"], "patbot");
  std::string token = auth["client_token"];
  EXPECT_EQ(call("GET", "/v1/secret/data/ci/deploy", token).status, 200);
  clock.advance(601s);
  EXPECT_EQ(call("GET", "/v1/secret/data/ci/deploy", token).body, kDenied);
}

TEST_F(FakeVaultTest, KubernetesLoginErrors) {
  auto login = [&](const std::string& body) { return call("POST", "/v1/auth/kubernetes/login", "", body); };
  EXPECT_EQ(login(R"({"jwt":"jwt-patbot"})").body, R"({"errors":["missing role"]})");
  EXPECT_EQ(login(R"({"role":"patbot"})").body, R"({"errors":["missing jwt"]})");
  auto unknown = login(R"({"role":"nope","jwt":"jwt-patbot"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body, R"({"errors":["invalid role name \"nope\""]})");
  auto forged = login(R"({"role":"patbot","jwt":"forged"})");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.body, kDenied);
  EXPECT_EQ(login(R"({"role":"patbot","jwt":"jwt-other"})").body, R"({"errors":["service account name not authorized"]})");
  EXPECT_EQ(login(R"({"role":"patbot","jwt":"jwt-elsewhere"})").body, R"({"errors":["namespace not authorized"]})");
}

TEST_F(FakeVaultTest, RenewSelfExtendsTheLease) {
  std::string token = parse(call("POST", "/v1/auth/kubernetes/login", "", R"({"role":"patbot","jwt":"jwt-patbot"})"))["auth"]["client_token"];
  clock.advance(500s);
  auto r = call("POST", "/v1/auth/token/renew-self", token, "{}");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r)["auth"]["lease_duration"], 600);
  clock.advance(500s);
  EXPECT_EQ(call("GET", "/v1/secret/data/ci/deploy", token).status, 200);
  EXPECT_EQ(call("POST", "/v1/auth/token/renew-self", "t-rw", "{}").body, R"({"errors":["lease is not renewable"]})");
}

TEST_F(FakeVaultTest, NamespacesIsolateSecrets) {
  auto root = parse(call("GET", "/v1/secret/data/ci/deploy", "t-rw"));
  auto team = parse(call("GET", "/v1/secret/data/ci/deploy", "t-rw", "", "", "application/json", "team-a"));
  EXPECT_EQ(root["data"]["data"]["token"], "v2");
  EXPECT_EQ(team["data"]["data"]["token"], "team-a");
  auto own = call("GET", "/v1/secret/data/ci/deploy", "t-team", "", "", "application/json", "team-a");
  EXPECT_EQ(parse(own)["data"]["data"]["token"], "team-a");
  auto up = call("GET", "/v1/secret/data/ci/deploy", "t-team", "", "", "application/json", "");
  EXPECT_EQ(parse(up)["data"]["data"]["token"], "team-a") << "no header: the token's own namespace";
  auto outside = call("GET", "/v1/secret/data/ci/deploy", "t-team", "", "", "application/json", "team-b");
  EXPECT_EQ(outside.status, 403);
  EXPECT_EQ(outside.body, kDenied);
  auto w = call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"data":{"token":"x"}})", "", "application/json", "team-a");
  EXPECT_EQ(w.status, 403) << "rw may only read in team-a";
}

TEST_F(FakeVaultTest, ListAndUnknownMount) {
  auto l = call("LIST", "/v1/secret/metadata/ci/", "t-rw");
  ASSERT_EQ(l.status, 200);
  EXPECT_EQ(parse(l)["data"]["keys"], json({"deploy"}));
  auto m = call("GET", "/v1/nomount/data/x", "t-rw");
  EXPECT_EQ(m.status, 403);
  vault = std::make_unique<FakeVault>(json::parse(R"({"tokens":[{"token":"root","policies":["root"]}]})"), clock);
  auto n = call("GET", "/v1/nomount/data/x", "root");
  EXPECT_EQ(n.status, 404);
  EXPECT_EQ(n.body, R"({"errors":["no handler for route \"nomount/data/x\". route entry not found."]})");
}

TEST_F(FakeVaultTest, SealedAnswers503) {
  vault->handle({"POST", "/_fake/seal", "", {}, R"({"sealed":true})", ""});
  auto r = call("GET", "/v1/secret/data/ci/deploy", "t-rw");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"errors":["Vault is sealed"]})");
  EXPECT_EQ(call("POST", "/v1/auth/kubernetes/login", "", R"({"role":"patbot","jwt":"jwt-patbot"})").status, 503);
  vault->handle({"POST", "/_fake/seal", "", {}, R"({"sealed":false})", ""});
  EXPECT_EQ(call("GET", "/v1/secret/data/ci/deploy", "t-rw").status, 200);
}

TEST_F(FakeVaultTest, FaultsAnswerTheNextCallsOfAMethodAndPath) {
  auto f = vault->handle({"POST", "/_fake/fault", "", {},
                          R"({"method":"POST","path":"/v1/secret/data/ci/deploy","count":2,"status":429,"retry_after":3})", ""});
  ASSERT_EQ(f.status, 200);
  EXPECT_EQ(call("GET", "/v1/secret/data/ci/deploy", "t-rw").status, 200) << "another method passes";
  for (int i = 0; i < 2; ++i) {
    auto r = call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"data":{"token":"x"}})");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, R"({"errors":["rate limit quota exceeded"]})");
    EXPECT_EQ(r.headers["retry-after"], "3");
  }
  EXPECT_EQ(secretState("ci/deploy")["current_version"], 2) << "a faulted call does no work";
  EXPECT_EQ(call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"data":{"token":"x"}})").status, 200);
}

TEST_F(FakeVaultTest, HangingFaultIsReleasedByClearing) {
  vault->handle({"POST", "/_fake/fault", "", {}, R"({"path":"/v1/secret/data/ci/deploy","hang":true})", ""});
  auto pending = std::async(std::launch::async, [&] { return call("GET", "/v1/secret/data/ci/deploy", "t-rw"); });
  for (int i = 0; i < 200 && parse(vault->handle({"GET", "/_fake/fault", "", {}, "", ""}))["held"] != 1; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(pending.wait_for(50ms), std::future_status::timeout);
  vault->handle({"POST", "/_fake/fault", "", {}, R"({"clear":true})", ""});
  EXPECT_EQ(pending.get().status, 503);
}

TEST_F(FakeVaultTest, CallLogNamesTokensNeverValues) {
  call("GET", "/v1/secret/data/ci/deploy", "t-rw");
  call("GET", "/v1/secret/data/ci/deploy", "bad");
  auto r = vault->handle({"GET", "/_fake/calls", "", {}, "", ""});
  json calls = parse(r);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["auth"], "rw");
  EXPECT_EQ(calls[0]["status"], 200);
  EXPECT_EQ(calls[0]["method"], "GET");
  EXPECT_EQ(calls[0]["path"], "/v1/secret/data/ci/deploy");
  EXPECT_EQ(calls[1]["auth"], "none");
  EXPECT_EQ(calls[1]["status"], 403);
  EXPECT_EQ(r.body.find("t-rw"), std::string::npos);
  EXPECT_EQ(r.body.find("v2"), std::string::npos);
  EXPECT_EQ(parse(vault->handle({"GET", "/_fake/calls", "since=1", {}, "", ""})).size(), 1u);
}

TEST_F(FakeVaultTest, ResetAndStateRoundTrip) {
  call("POST", "/v1/secret/data/ci/deploy", "t-rw", R"({"options":{"cas":2},"data":{"token":"v3"}})");
  json st = vault->state();
  auto r = vault->handle({"POST", "/_fake/reset", "", {}, st.dump(), ""});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(vault->state(), st);
  EXPECT_EQ(parse(vault->handle({"GET", "/_fake/calls", "", {}, "", ""})).size(), 0u);
  EXPECT_EQ(vault->handle({"POST", "/_fake/reset", "", {}, R"({"mounts":[{"path":"a/b"}]})", ""}).status, 400);
}

}  // namespace
}  // namespace patbot::fakes
