// RotationEngine against the real fake GitLab (in process, through RestGitLabApi and a Transport
// that calls FakeGitLab::handle), a real SQLite journal and audit trail, and a FakeClock.
#include "handlers/rotation_engine.h"

#include <gtest/gtest.h>

#include <functional>

#include "tests/handlers/rotation_engine_fixture.h"

namespace patbot::handlers {
namespace {

using storage::RotationState;
constexpr const char* kName = "GitLab Security Service - Architecture - Inventory";

using RotationEngineTest = testing::RotationEngineFixture;

TEST_F(RotationEngineTest, HappyPathFollowsTheRunbook) {
  auto plan = engine_->plan(request());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->consumers.size(), 2u);
  EXPECT_EQ(formatDate(plan->newSpec.expiresAt), "2027-11-28");
  auto result = engine_->execute(*plan, request(), sink_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  ASSERT_TRUE(result->newToken);
  auto fresh = token(result->newToken->id);
  EXPECT_EQ(fresh["name"], kName);
  EXPECT_EQ(fresh["scopes"], token(101)["scopes"]);
  EXPECT_EQ(fresh["expires_at"], "2027-11-28");
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), fresh["value"]);
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), fresh["value"]);
  EXPECT_EQ(result->pipelineStatus, "success");
  auto verified = audit_->verify();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->firstBadId);
  // The value is nowhere in the audit trail.
  storage::AuditQuery q;
  q.limit = 1000;
  auto rows = audit_->latest(q);
  ASSERT_TRUE(rows);
  for (const auto& e : *rows) {
    EXPECT_EQ(e.record.detail.dump().find(fresh["value"].get<std::string>()), std::string::npos);
  }
}

// The verify pipeline is polled with waits on the engine's clock, doubling up to the maximum; on
// a FakeClock they take no real time and move the clock by exactly what was waited.
TEST_F(RotationEngineTest, PipelinePollingWaitsOnTheEnginesClock) {
  EngineOptions eo;
  eo.pipelinePollInterval = std::chrono::seconds(1);
  eo.pipelinePollMax = std::chrono::seconds(2);
  engine_ = std::make_unique<RotationEngine>(*api_, *journal_, *audit_, clock_, policy_, eo);
  const TimePoint before = clock_.now();
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  const auto sleeps = clock_.sleeps();
  ASSERT_GE(sleeps.size(), 2u) << "the fake's pipeline takes several polls to finish";
  std::chrono::nanoseconds waited{0};
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_EQ(sleeps[i], std::chrono::seconds(i == 0 ? 1 : 2)) << "wait " << i;
    waited += sleeps[i];
  }
  EXPECT_EQ(clock_.now() - before, waited);
}

TEST_F(RotationEngineTest, SameRequestTwiceRotatesOnce) {
  auto plan = engine_->plan(request());
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(engine_->execute(*plan, request(), sink_));
  auto second = engine_->execute(*plan, request(), sink_);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(activeNamed(kName), 1);
}

// A repeat that arrives after the first delivery finished can no longer plan (the token is
// revoked); alreadyHandled() answers it from the journal before any planning.
TEST_F(RotationEngineTest, AlreadyHandledFindsAFinishedRequestBeforePlanning) {
  auto none = engine_->alreadyHandled(request().requestKey);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto first = rotate(request());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(engine_->plan(request())) << "the rotated token cannot be planned again";
  auto repeat = engine_->alreadyHandled(request().requestKey);
  ASSERT_TRUE(repeat);
  ASSERT_TRUE(*repeat);
  EXPECT_TRUE((*repeat)->duplicate);
  EXPECT_EQ((*repeat)->rotationId, first->rotationId);
  EXPECT_NE((*repeat)->summary.find("already handled"), std::string::npos);
  auto empty = engine_->alreadyHandled("");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  EXPECT_EQ(activeNamed(kName), 1);
}

TEST_F(RotationEngineTest, FirstConsumerFailingRevokesTheNewTokenAndKeepsTheOld) {
  refuse("PUT", "/variables/");
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kRolledBack) << result->summary;
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_TRUE(token(result->newToken->id)["revoked"].get<bool>());
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), token(101)["value"]);
}

TEST_F(RotationEngineTest, LaterConsumerFailingKeepsBothTokens) {
  refuse("PUT", "/groups/");
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kAwaitingDecision);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(result->newToken->id)["revoked"].get<bool>());   // the project variable holds it
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), token(result->newToken->id)["value"]);
}

TEST_F(RotationEngineTest, FailedPipelineKeepsBothTokensWithTheLink) {
  failPipelines();
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kAwaitingDecision);
  EXPECT_NE(result->pipelineUrl.find("/-/pipelines/"), std::string::npos);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(result->newToken->id)["revoked"].get<bool>());
}

TEST_F(RotationEngineTest, CreateTimeoutIsNeverRepeatedAndTheOrphanIsRevoked) {
  int creates = 0;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "POST" && r.url.find("/personal_access_tokens") != std::string::npos &&
        r.url.find("/users/") != std::string::npos) {
      ++creates;
      (void)transport_->forward(r);   // GitLab made it, but the answer is lost
      return Result<http::ClientResponse>(Error::make(ErrorKind::kTimeout, "timed out"));
    }
    return std::nullopt;
  };
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kFailed);
  EXPECT_EQ(creates, 1);
  EXPECT_EQ(activeNamed(kName), 1);                      // only the old one
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
}

TEST_F(RotationEngineTest, ConnectionClosedAfterTheCreateIsNeverRepeatedAndTheOrphanIsRevoked) {
  // A dropped connection reaches the engine as kProtocol ("the answer could not be read").
  int creates = 0;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "POST" && r.url.find("/users/10/personal_access_tokens") != std::string::npos) {
      ++creates;
      (void)transport_->forward(r);
      return Result<http::ClientResponse>(Error::make(ErrorKind::kProtocol, "the answer could not be read"));
    }
    return std::nullopt;
  };
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kFailed);
  EXPECT_EQ(creates, 1);
  EXPECT_EQ(activeNamed(kName), 1) << "the token GitLab made without answering is still active";
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_NE(result->summary.find("it was revoked"), std::string::npos) << result->summary;
}

TEST_F(RotationEngineTest, NoCreateWhenTheTokensCannotBeListedFirst) {
  // Without the list of existing tokens an unanswered create could not be told apart from the
  // old token (which has the same name): the old one would have been revoked as an orphan.
  bool listing = false;   // the plan lists them fine; only the engine's own listing fails
  int creates = 0;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "GET" && r.url.find("/personal_access_tokens?user_id=10") != std::string::npos && listing) {
      return Result<http::ClientResponse>(Error::make(ErrorKind::kUnavailable, "connection refused"));
    }
    if (r.method == "POST" && r.url.find("/users/10/personal_access_tokens") != std::string::npos) {
      ++creates;
      (void)transport_->forward(r);
      return Result<http::ClientResponse>(Error::make(ErrorKind::kTimeout, "timed out"));
    }
    return std::nullopt;
  };
  auto plan = engine_->plan(request());
  ASSERT_TRUE(plan);
  listing = true;
  auto result = engine_->execute(*plan, request(), sink_);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->state, RotationState::kFailed);
  EXPECT_EQ(creates, 0);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_NE(result->summary.find("Nothing was changed"), std::string::npos) << result->summary;
}

TEST_F(RotationEngineTest, NoDeliveryWhenTheJournalCannotRecordIt) {
  // The database refuses the "delivering" row (a full disk, a lock held elsewhere): a crash after
  // delivering would make recovery revoke the token the consumers hold, so nothing is delivered.
  db_->db().exec("CREATE TRIGGER refuse_delivering BEFORE UPDATE OF state ON rotations "
                 "WHEN NEW.state = 'delivering' BEGIN SELECT RAISE(FAIL, 'disk full'); END");
  std::string before = variableValue("GITLAB_API_TOKEN");
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kRolledBack);
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), before);
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), token(101)["value"]);
  EXPECT_EQ(activeNamed(kName), 1);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_NE(result->summary.find("journal cannot be written"), std::string::npos) << result->summary;
}

TEST_F(RotationEngineTest, GracePeriodSchedulesTheRevokeAndTheSchedulerDoesIt) {
  policy_.rotation.revokeGraceHours = 24;
  makeEngine();
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kRevokeScheduled);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_TRUE(engine_->runDueRevokes().empty());
  clock_.advance(std::chrono::hours(25));
  auto lines = engine_->runDueRevokes();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  auto record = journal_->find(result->rotationId);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->state, RotationState::kCompleted);
}

TEST_F(RotationEngineTest, ImmediateRevokesTheOldTokenBeforeDelivery) {
  auto req = request();
  req.immediate = true;
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan);
  std::vector<std::string> order;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "DELETE" || r.method == "PUT") order.push_back(r.method);
    return std::nullopt;
  };
  auto result = engine_->execute(*plan, req, sink_);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order.front(), "DELETE");
}

TEST_F(RotationEngineTest, RecoveryRevokesAnUndeliveredTokenAndFinishesADeliveredOne) {
  // Rotation A: crashed right after creating its token.
  const int64_t madeA = createInventoryToken("inventory-readonly", {"read_api"});
  ASSERT_TRUE(journalStoppedRotation("crash-a", "inventory-readonly", 102, madeA, "create", "done", RotationState::kCreated));
  // Rotation B: crashed after delivering and verifying, before revoking the old token.
  const int64_t madeB = createInventoryToken(kName);
  ASSERT_TRUE(journalStoppedRotation("crash-b", kName, 101, madeB, "verify", "done", RotationState::kVerified));

  makeEngine();   // a fresh process
  auto lines = engine_->recover();
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_TRUE(token(madeA)["revoked"].get<bool>());
  EXPECT_FALSE(token(102)["revoked"].get<bool>());
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(madeB)["revoked"].get<bool>());
  auto open = journal_->unfinished();
  ASSERT_TRUE(open);
  EXPECT_TRUE(open->empty());
}

TEST_F(RotationEngineTest, PlanRefusesWithoutConsumersAndNamesAmbiguity) {
  auto noConsumers = engine_->plan(request("deploy-bot/registry"));
  ASSERT_FALSE(noConsumers);
  EXPECT_NE(noConsumers.error().message.find("--reveal"), std::string::npos);
  auto unknown = engine_->plan(request("nobody/x"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("nobody"), std::string::npos);
  policy_.tokens[0].ciVariables.push_back({"sec/inventory-builder", "MISSING_VARIABLE", ""});
  makeEngine();
  auto preflight = engine_->plan(request());
  ASSERT_FALSE(preflight);
  EXPECT_NE(preflight.error().message.find("MISSING_VARIABLE"), std::string::npos);
  EXPECT_NE(preflight.error().message.find("nothing was changed"), std::string::npos);
}

// --- Decisions after a stop (SPEC §5.5) -------------------------------------------------------

class RotationDecisionTest : public RotationEngineTest {
 protected:
  // Every pipeline the fake reports is "failed" while failPipelines_ is set.
  void failPipelines() {
    transport_->intercept = [this](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
      if (!failPipelines_) return std::nullopt;
      return pipelineAnsweredFailed(r);
    };
  }
  RotationResult stopAtVerification() {
    failPipelines();
    auto result = rotate(request());
    EXPECT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->state, RotationState::kAwaitingDecision);
    failPipelines_ = false;
    return *result;
  }
  static bool offers(const std::vector<Decision>& ds, Decision d) {
    return std::find(ds.begin(), ds.end(), d) != ds.end();
  }
  bool failPipelines_ = true;
};

TEST_F(RotationDecisionTest, VerificationFailureOffersEveryDecision) {
  auto stopped = stopAtVerification();
  EXPECT_TRUE(offers(stopped.decisions, Decision::kRetry));
  EXPECT_TRUE(offers(stopped.decisions, Decision::kRollBack));
  EXPECT_TRUE(offers(stopped.decisions, Decision::kRevokeOld));
  EXPECT_TRUE(offers(stopped.decisions, Decision::kAbandon));
}

TEST_F(RotationDecisionTest, RetryAfterTheCauseIsFixedFinishesTheRunbook) {
  auto stopped = stopAtVerification();
  auto outcome = engine_->decide(stopped.rotationId, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->result.state, RotationState::kCompleted) << outcome->result.summary;
  EXPECT_EQ(outcome->result.pipelineStatus, "success");
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(stopped.newToken->id)["revoked"].get<bool>());
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), token(stopped.newToken->id)["value"]);
}

TEST_F(RotationDecisionTest, RollBackPutsThePreviousValuesBackThenRevokesTheNewToken) {
  std::string before = variableValue("GITLAB_API_TOKEN");
  std::string groupBefore = variableValue("INVENTORY_TOKEN");
  auto stopped = stopAtVerification();
  ASSERT_NE(variableValue("GITLAB_API_TOKEN"), before);
  auto outcome = engine_->decide(stopped.rotationId, Decision::kRollBack, "U0BOB0002", sink_);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->result.state, RotationState::kRolledBack) << outcome->result.summary;
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), before);
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), groupBefore);
  EXPECT_TRUE(token(stopped.newToken->id)["revoked"].get<bool>());
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
}

TEST_F(RotationDecisionTest, RevokeOldAnywayRevokesAndCloses) {
  auto stopped = stopAtVerification();
  auto outcome = engine_->decide(stopped.rotationId, Decision::kRevokeOld, "U0BOB0002", sink_);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->result.state, RotationState::kCompleted);
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(stopped.newToken->id)["revoked"].get<bool>());
}

TEST_F(RotationDecisionTest, SecondClickAndStaleOrUnknownRotationsChangeNothing) {
  auto stopped = stopAtVerification();
  ASSERT_TRUE(engine_->decide(stopped.rotationId, Decision::kRevokeOld, "U0BOB0002", sink_));
  auto again = engine_->decide(stopped.rotationId, Decision::kRollBack, "U0BOB0002", sink_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_NE(again.error().message.find("completed"), std::string::npos);
  EXPECT_FALSE(token(stopped.newToken->id)["revoked"].get<bool>());
  auto unknown = engine_->decide(9999, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

TEST_F(RotationDecisionTest, AfterARestartRollBackIsRefusedButRetryStillWorks) {
  auto stopped = stopAtVerification();
  makeEngine();   // a fresh process: the values kept in memory are gone
  auto plan = engine_->plan(request());
  ASSERT_TRUE(plan);
  ASSERT_TRUE(plan->blockedBy);
  EXPECT_EQ(plan->blockedBy->rotationId, stopped.rotationId);
  EXPECT_FALSE(offers(plan->blockedBy->decisions, Decision::kRollBack));
  EXPECT_TRUE(offers(plan->blockedBy->decisions, Decision::kRetry));
  auto rollBack = engine_->decide(stopped.rotationId, Decision::kRollBack, "U0BOB0002", sink_);
  ASSERT_FALSE(rollBack);
  EXPECT_EQ(rollBack.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(rollBack.error().message.find("by hand"), std::string::npos);
  auto retry = engine_->decide(stopped.rotationId, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(retry->result.state, RotationState::kCompleted) << retry->result.summary;
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
}

TEST_F(RotationDecisionTest, PartialDeliveryRetriesEveryConsumerButNeverOffersRevokeOld) {
  refuse("PUT", "/groups/");
  auto stopped = rotate(request());
  ASSERT_TRUE(stopped) << stopped.error().message;
  ASSERT_EQ(stopped->state, RotationState::kAwaitingDecision);
  EXPECT_TRUE(offers(stopped->decisions, Decision::kRetry));
  EXPECT_TRUE(offers(stopped->decisions, Decision::kRollBack));
  EXPECT_FALSE(offers(stopped->decisions, Decision::kRevokeOld));
  auto refused = engine_->decide(stopped->rotationId, Decision::kRevokeOld, "U0BOB0002", sink_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("revoked token"), std::string::npos);
  transport_->intercept = nullptr;   // the group variable can be written again
  auto retry = engine_->decide(stopped->rotationId, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(retry->result.state, RotationState::kCompleted) << retry->result.summary;
  std::string value = token(stopped->newToken->id)["value"];
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), value);
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), value);
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
}

TEST_F(RotationDecisionTest, AbandonLeavesBothTokensAndUnblocksTheToken) {
  auto stopped = stopAtVerification();
  auto outcome = engine_->decide(stopped.rotationId, Decision::kAbandon, "U0BOB0002", sink_);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->result.state, RotationState::kFailed);
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  EXPECT_FALSE(token(stopped.newToken->id)["revoked"].get<bool>());
  auto plan = engine_->plan(request("101", "k2"));
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->blockedBy);
}

TEST_F(RotationEngineTest, RecoveryKeepsTheGracePeriodForADeliveredRotation) {
  policy_.rotation.revokeGraceHours = 24;
  const int64_t made = createInventoryToken(kName);
  ASSERT_TRUE(journalStoppedRotation("crash-c", kName, 101, made, "deliver", "done", RotationState::kDelivered));
  makeEngine();
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("will be revoked at"), std::string::npos) << lines[0];
  EXPECT_FALSE(token(101)["revoked"].get<bool>());
  clock_.advance(std::chrono::hours(25));
  EXPECT_EQ(engine_->runDueRevokes().size(), 1u);
  EXPECT_TRUE(token(101)["revoked"].get<bool>());
}

// Issue 12, hole 8: an instance whose lifetime limit (60 days) is shorter than the request (365)
// refuses the expiry in its GitLab version's words; the rotation retries with the latest date that
// instance accepts and completes, creating exactly one token.
struct ExpiryStyle {
  const char* style;
  const char* expectedExpiry;   // today 2026-11-28
};
void PrintTo(const ExpiryStyle& s, std::ostream* os) { *os << s.style; }

class RotationExpiryStyleTest : public RotationEngineTest, public ::testing::WithParamInterface<ExpiryStyle> {
 protected:
  void reseed(int maxLifetimeDays, const std::string& style) {
    nlohmann::json seed = gitlab_->seed();
    seed["max_lifetime_days"] = maxLifetimeDays;
    seed["expiry_error_style"] = style;
    startGitLab(std::move(seed));
    makeEngine();
  }
};

TEST_P(RotationExpiryStyleTest, RetriesWithTheLatestAcceptedExpiry) {
  reseed(60, GetParam().style);
  int creates = 0;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "POST" && r.url.find("/personal_access_tokens") != std::string::npos &&
        r.url.find("/rotate") == std::string::npos) {
      ++creates;
    }
    return std::nullopt;
  };
  auto result = rotate(request());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  ASSERT_TRUE(result->newToken);
  EXPECT_EQ(token(result->newToken->id)["expires_at"], GetParam().expectedExpiry);
  EXPECT_EQ(activeNamed(kName), 1);
  EXPECT_LE(creates, 3);
}

INSTANTIATE_TEST_SUITE_P(
    GitLabVersions, RotationExpiryStyleTest,
    ::testing::Values(ExpiryStyle{"before_date", "2027-01-27"},   // "must be before 2027-01-27": that day itself
                      ExpiryStyle{"days", "2027-01-27"},          // "must expire in 60 days": today + 60
                      ExpiryStyle{"invalid", "2026-12-28"}),      // no date given: today + 30
    [](const ::testing::TestParamInfo<ExpiryStyle>& p) { return std::string(p.param.style); });

}  // namespace
}  // namespace patbot::handlers
