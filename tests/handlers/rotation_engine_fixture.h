// The rotation engine's test fixture: the real fake GitLab in process (through RestGitLabApi and
// a Transport that calls FakeGitLab::handle, which a test may intercept), a real SQLite journal
// and audit trail in memory, a FakeClock, and the demo seed's inventory-bot token 101 with two
// consumers, a verify pipeline and a tracking issue in the policy.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>

#include "gitlab/rest_gitlab_api.h"
#include "handlers/rotation_engine.h"
#include "sim/fake_gitlab.h"
#include "sim/seeds.h"
#include "storage/database.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "tests/gitlab/fake_gitlab_transport.h"

namespace patbot::handlers::testing {

using storage::RotationState;
inline constexpr const char* kInventoryTokenName = "GitLab Security Service - Architecture - Inventory";

// Calls the fake in process; `intercept` may answer (or fail) a request instead.
class InProcessTransport final : public http::Transport {
 public:
  explicit InProcessTransport(fakes::FakeGitLab& fake) : inner_(fake) {}
  std::function<std::optional<Result<http::ClientResponse>>(const http::ClientRequest&)> intercept;

  Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    if (intercept) {
      if (auto answer = intercept(request)) return *answer;
    }
    return forward(request);
  }
  Result<http::ClientResponse> forward(const http::ClientRequest& request) { return inner_.send(request); }

 private:
  gitlab::testing::FakeGitLabTransport inner_;
};

class RotationEngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = fakes::demoSeed(utcDay(clock_.now()));
    fake_ = std::make_unique<fakes::FakeGitLab>(seed_, clock_);
    transport_ = std::make_unique<InProcessTransport>(*fake_);
    gitlab::RestGitLabOptions o;
    o.baseUrl = "http://gitlab.test";
    o.token = Secret(fakes::adminTokenOf(seed_));
    o.clock = &clock_;   // retry waits pass on the test's clock, at once
    o.maxAttempts = 2;
    api_ = std::make_unique<gitlab::RestGitLabApi>(*transport_, std::move(o));
    auto db = storage::Database::open(":memory:");
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    audit_ = std::make_unique<storage::SqliteAuditStore>(*db_, clock_);
    journal_ = std::make_unique<storage::RotationJournal>(*db_, clock_);
    TokenPolicy policy;
    policy.account = "inventory-bot";
    policy.name = kInventoryTokenName;
    policy.ciVariables = {{"sec/inventory-builder", "GITLAB_API_TOKEN", ""}};
    policy.groupVariables = {{"sec", "INVENTORY_TOKEN", ""}};
    policy.verifyPipeline = PipelineRef{"sec/inventory-builder", "main"};
    policy.trackingIssue = IssueRef{"sec/team", 262};
    policy_.tokens = {policy};
    makeEngine();
  }

  void makeEngine() {
    EngineOptions eo;
    eo.pipelinePollInterval = std::chrono::seconds(0);
    engine_ = std::make_unique<RotationEngine>(*api_, *journal_, *audit_, clock_, policy_, eo);
  }

  RotationRequest request(std::string token = "101", std::string key = "k1") {
    RotationRequest r;
    r.tokenText = std::move(token);
    r.actor = "U0ALICE001";
    r.requestKey = std::move(key);
    return r;
  }

  // The fake's answer to a pipeline GET, with the pipeline's status replaced by "failed"
  // (nullopt for any other request): for intercepts that make the verify pipeline fail.
  std::optional<Result<http::ClientResponse>> pipelineAnsweredFailed(const http::ClientRequest& r) {
    if (r.method != "GET" || r.url.find("/pipelines/") == std::string::npos) return std::nullopt;
    auto real = transport_->forward(r);
    auto j = nlohmann::json::parse(real->body);
    j["status"] = "failed";
    return http::ClientResponse{200, real->headers, j.dump()};
  }
  void failPipelines() {
    transport_->intercept = [this](const http::ClientRequest& r) { return pipelineAnsweredFailed(r); };
  }

  nlohmann::json token(int64_t id) {
    auto state = fake_->state();   // keep the temporary alive while iterating
    for (const auto& t : state["tokens"]) {
      if (t["id"] == id) return t;
    }
    return nullptr;
  }
  int activeNamed(const std::string& name) {
    int n = 0;
    auto state = fake_->state();
    for (const auto& t : state["tokens"]) n += t["name"] == name && !t["revoked"].get<bool>();
    return n;
  }
  std::string variableValue(const std::string& key) {
    auto state = fake_->state();
    for (const auto& p : state["projects"]) {
      for (const auto& v : p["variables"]) {
        if (v["key"] == key) return v["value"];
      }
    }
    for (const auto& g : state["groups"]) {
      for (const auto& v : g["variables"]) {
        if (v["key"] == key) return v["value"];
      }
    }
    return "";
  }

  FakeClock clock_{TimePoint(*parseDate("2026-11-28")) + std::chrono::hours(10)};
  nlohmann::json seed_;
  std::unique_ptr<fakes::FakeGitLab> fake_;
  std::unique_ptr<InProcessTransport> transport_;
  std::unique_ptr<gitlab::RestGitLabApi> api_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteAuditStore> audit_;
  std::unique_ptr<storage::RotationJournal> journal_;
  Policy policy_;
  std::unique_ptr<RotationEngine> engine_;
  NullProgressSink sink_;
};

}  // namespace patbot::handlers::testing
