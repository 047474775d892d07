// The rotation engine's test fixture: the simulated GitLab in process (tests/support; a test may
// intercept its transport), a real SQLite journal and audit trail in memory, a FakeClock, and
// the demo seed's inventory-bot token 101 with two consumers, a verify pipeline and a tracking
// issue in the policy.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "handlers/rotation_engine.h"
#include "sim/seeds.h"
#include "storage/database.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "tests/support/database.h"
#include "tests/support/simulated_gitlab.h"

namespace patbot::handlers::testing {

using storage::RotationState;
inline constexpr const char* kInventoryTokenName = "GitLab Security Service - Architecture - Inventory";

// Thrown by a transport to stop the engine where it stands, as kill -9 would: not a
// std::exception, so nothing on the way out catches it and no further step is journaled.
struct SimulatedCrash {};

class RotationEngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    startGitLab(fakes::demoSeed(utcDay(clock_.now())));
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(":memory:", db_));
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

  // A new simulated GitLab seeded with `seed`, its client retrying twice. Drops the engine: call
  // makeEngine() after.
  void startGitLab(nlohmann::json seed) {
    engine_.reset();
    gitlab_ = std::make_unique<patbot::testing::SimulatedGitLab>(
        clock_, std::move(seed), [](gitlab::RestGitLabOptions& o, const nlohmann::json&) { o.maxAttempts = 2; });
    transport_ = &gitlab_->transport();
    api_ = &gitlab_->api();
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

  // plan() then execute() of `r`, showing progress to `sink` (the fixture's when null): the
  // engine's answer, or plan()'s Error.
  Result<RotationResult> rotate(const RotationRequest& r, ProgressSink* sink = nullptr) {
    auto plan = engine_->plan(r);
    if (!plan) return plan.error();
    return engine_->execute(*plan, r, sink ? *sink : sink_);
  }

  // Every `method` request whose URL contains `urlPart` is answered 403 Forbidden without
  // reaching GitLab, until the test sets transport_->intercept again.
  void refuse(std::string method, std::string urlPart) {
    transport_->intercept = [method = std::move(method), urlPart = std::move(urlPart)](
                                const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
      if (r.method != method || r.url.find(urlPart) == std::string::npos) return std::nullopt;
      return http::ClientResponse{403, {{"content-type", "application/json"}}, R"({"message":"403 Forbidden"})"};
    };
  }

  // The process dies (SimulatedCrash) at the `occurrence`-th `method` request whose URL contains
  // `urlPart`: before GitLab sees it, or, `afterEffect`, once GitLab has carried it out but before
  // the answer arrives. Until the test sets transport_->intercept again.
  void crashAt(std::string method, std::string urlPart, bool afterEffect, int occurrence = 1) {
    transport_->intercept = [this, method = std::move(method), urlPart = std::move(urlPart), afterEffect, occurrence,
                             seen = 0](const http::ClientRequest& r) mutable -> std::optional<Result<http::ClientResponse>> {
      if (r.method != method || r.url.find(urlPart) == std::string::npos || ++seen != occurrence) return std::nullopt;
      if (afterEffect) (void)transport_->forward(r);
      throw SimulatedCrash{};
    };
  }

  // A token GitLab made on inventory-bot (id 10), as a rotation's create would; its id (0 and a
  // test failure when GitLab refused).
  int64_t createInventoryToken(const std::string& name, std::vector<std::string> scopes = {"api"}, int days = 30) {
    auto made = api_->createToken({10, "inventory-bot", ""},
                                  {name, std::nullopt, std::move(scopes), utcDay(clock_.now()) + std::chrono::days(days)});
    EXPECT_TRUE(made) << made.error().message;
    return made ? made->token.id : 0;
  }

  // What a process stopped in the middle of a rotation leaves in the journal: a rotation under
  // `requestKey` of inventory-bot's token `oldTokenId` (called `tokenName`), whose replacement
  // `newTokenId` exists, that last wrote `step` `phase` and moved to `state`. Its id; 0 and a
  // test failure when the journal refused.
  int64_t journalStoppedRotation(const std::string& requestKey, const std::string& tokenName, int64_t oldTokenId,
                                 int64_t newTokenId, const std::string& step, const std::string& phase,
                                 RotationState state) {
    storage::RotationRecord r;
    r.requestKey = requestKey;
    r.actor = "U0ALICE001";
    r.account = "inventory-bot";
    r.accountId = 10;
    r.tokenName = tokenName;
    r.oldTokenId = oldTokenId;
    auto begun = journal_->begin(r);
    EXPECT_TRUE(begun) << begun.error().message;
    if (!begun) return 0;
    EXPECT_TRUE(journal_->setNewToken(begun->record.id, newTokenId));
    EXPECT_TRUE(journal_->step(begun->record.id, step, phase, state));
    return begun->record.id;
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

  nlohmann::json token(int64_t id) { return gitlab_->token(id); }
  int activeNamed(const std::string& name) { return gitlab_->activeTokensNamed(name); }
  std::string variableValue(const std::string& key) { return gitlab_->variableValue(key); }

  FakeClock clock_{TimePoint(*parseDate("2026-11-28")) + std::chrono::hours(10)};
  std::unique_ptr<patbot::testing::SimulatedGitLab> gitlab_;
  patbot::testing::FakeGitLabTransport* transport_ = nullptr;   // gitlab_'s
  gitlab::RestGitLabApi* api_ = nullptr;                        // gitlab_'s
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteAuditStore> audit_;
  std::unique_ptr<storage::RotationJournal> journal_;
  Policy policy_;
  std::unique_ptr<RotationEngine> engine_;
  NullProgressSink sink_;
};

}  // namespace patbot::handlers::testing
