// Issue 12: the rotation promise of SPEC §5 on the paths that broke it — a --reveal whose post
// fails, an --immediate rotation whose first update fails, a crash (a process that stops at a
// GitLab call, before or after the call took effect) at every call of a rotation followed by
// recovery in a fresh engine, the new token of an unfinished rotation, and the tracking issue a
// CLI rotation must close. Token values are compared, never printed.
#include <gtest/gtest.h>

#include <set>

#include "handlers/rotation_engine_parts.h"
#include "storage/audit_hash.h"
#include "storage/watcher_store.h"
#include "tests/handlers/rotation_engine_fixture.h"

namespace patbot::handlers::testing {
namespace {

// A sink whose reveal() the test controls; records whether the old token was still active.
class RevealSink final : public ProgressSink {
 public:
  std::function<Status(const Secret&)> onReveal = [](const Secret&) { return okStatus(); };
  int reveals = 0;
  void show(const RotationProgress&) override {}
  Status reveal(const std::string&, const Secret& value) override {
    ++reveals;
    return onReveal(value);
  }
};

class RotationSafetyTest : public RotationEngineFixture {
 protected:
  static constexpr int64_t kRegistryToken = 103;   // deploy-bot/registry: no consumers

  RotationRequest revealRequest(bool immediate, std::string key = "r1") {
    auto r = request("deploy-bot/registry", std::move(key));
    r.reveal = true;
    r.immediate = immediate;
    return r;
  }
  bool active(int64_t id) { return !token(id)["revoked"].get<bool>(); }
  std::string valueOf(int64_t id) { return token(id)["value"].get<std::string>(); }
  std::string journalState(int64_t rotationId) {
    auto r = journal_->find(rotationId);
    return r && *r ? storage::rotationStateName((*r)->state) : "missing";
  }
};

TEST_F(RotationSafetyTest, RevealShowsTheValueBeforeTheOldTokenIsRevoked) {
  auto req = revealRequest(false);
  RevealSink sink;
  bool oldActiveWhenShown = false;
  std::string shown;
  sink.onReveal = [&](const Secret& v) {
    oldActiveWhenShown = active(kRegistryToken);
    shown = v.reveal();
    return okStatus();
  };
  auto result = rotate(req, &sink);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(sink.reveals, 1);
  EXPECT_TRUE(oldActiveWhenShown) << "the value must reach the requester before the old token is revoked";
  ASSERT_TRUE(result->newToken);
  EXPECT_TRUE(shown == valueOf(result->newToken->id)) << "the value shown is not the new token's";
  EXPECT_FALSE(active(kRegistryToken));
}

TEST_F(RotationSafetyTest, AFailedRevealRevokesTheNewTokenAndLeavesTheOldOne) {
  auto req = revealRequest(false);
  RevealSink sink;
  sink.onReveal = [](const Secret&) {
    return Status(Error::make(ErrorKind::kUnavailable, "Slack refused the reply (HTTP 404 expired_url)"));
  };
  auto result = rotate(req, &sink);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kRolledBack) << result->summary;
  EXPECT_TRUE(active(kRegistryToken)) << "the old token is the only one anybody has";
  ASSERT_TRUE(result->newToken);
  EXPECT_FALSE(active(result->newToken->id));
  EXPECT_NE(result->summary.find("untouched"), std::string::npos) << result->summary;
}

TEST_F(RotationSafetyTest, AFailedRevealOfAnImmediateRotationKeepsTheNewTokenAndRetryShowsIt) {
  auto req = revealRequest(true);
  RevealSink failing;
  failing.onReveal = [](const Secret&) { return Status(Error::make(ErrorKind::kUnavailable, "HTTP 503")); };
  auto result = rotate(req, &failing);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kAwaitingDecision) << result->summary;
  ASSERT_TRUE(result->newToken);
  EXPECT_FALSE(active(kRegistryToken)) << "--immediate revokes the old token first";
  EXPECT_TRUE(active(result->newToken->id)) << "the new token is the only valid one: it must be kept";
  EXPECT_NE(result->summary.find("already revoked"), std::string::npos) << result->summary;
  EXPECT_NE(std::find(result->decisions.begin(), result->decisions.end(), Decision::kRetry), result->decisions.end());

  RevealSink working;
  std::string shown;
  working.onReveal = [&](const Secret& v) {
    shown = v.reveal();
    return okStatus();
  };
  auto retried = engine_->decide(result->rotationId, Decision::kRetry, "U0ALICE001", working);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->result.state, RotationState::kCompleted) << retried->result.summary;
  EXPECT_TRUE(shown == valueOf(result->newToken->id));
}

TEST_F(RotationSafetyTest, ImmediateFirstUpdateFailingKeepsTheNewTokenAndSaysTheOldIsRevoked) {
  refuse("PUT", "/variables/");
  auto req = request();
  req.immediate = true;
  auto result = rotate(req);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kAwaitingDecision) << result->summary;
  ASSERT_TRUE(result->newToken);
  EXPECT_FALSE(active(101));
  EXPECT_TRUE(active(result->newToken->id)) << "revoking it too would leave no valid token";
  EXPECT_NE(result->summary.find("already revoked"), std::string::npos) << result->summary;
  EXPECT_EQ(result->summary.find("untouched"), std::string::npos) << result->summary;

  transport_->intercept = nullptr;   // the consumers can be written again
  auto retried = engine_->decide(result->rotationId, Decision::kRetry, "U0ALICE001", sink_);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->result.state, RotationState::kCompleted) << retried->result.summary;
  EXPECT_TRUE(variableValue("GITLAB_API_TOKEN") == valueOf(result->newToken->id));
  EXPECT_TRUE(variableValue("INVENTORY_TOKEN") == valueOf(result->newToken->id));
}

TEST_F(RotationSafetyTest, TheJournalKeepsADigestOfTheNewValueNeverTheValue) {
  auto result = rotate(request());
  ASSERT_TRUE(result && result->newToken);
  auto record = journal_->find(result->rotationId);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->newValueSha256, storage::sha256Hex(valueOf(result->newToken->id)));
}

// A crash while the second consumer is being updated: the first holds the new value. Recovery in a
// fresh engine reads it back by its digest, updates the rest, verifies and revokes the old token.
TEST_F(RotationSafetyTest, RecoveryFinishesADeliveryThatACrashInterrupted) {
  crashAt("PUT", "/variables/", /*afterEffect=*/false, /*occurrence=*/2);
  int64_t rotationId = 0;
  EXPECT_THROW(rotate(request()), SimulatedCrash);
  auto open = journal_->unfinished();
  ASSERT_TRUE(open && open->size() == 1u);
  rotationId = open->front().id;
  int64_t newId = open->front().newTokenId.value_or(0);
  ASSERT_GT(newId, 0);

  transport_->intercept = nullptr;
  makeEngine();   // a new process: nothing in memory
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(journalState(rotationId), "completed") << lines[0];
  EXPECT_FALSE(active(101));
  EXPECT_TRUE(active(newId));
  EXPECT_TRUE(variableValue("GITLAB_API_TOKEN") == valueOf(newId));
  EXPECT_TRUE(variableValue("INVENTORY_TOKEN") == valueOf(newId));
}

TEST_F(RotationSafetyTest, RecoveryUndoesADeliveryNoConsumerGot) {
  crashAt("PUT", "/variables/", /*afterEffect=*/false);
  EXPECT_THROW(rotate(request()), SimulatedCrash);
  auto open = journal_->unfinished();
  ASSERT_TRUE(open && open->size() == 1u);
  auto record = open->front();
  transport_->intercept = nullptr;
  makeEngine();
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(journalState(record.id), "rolled_back") << lines[0];
  EXPECT_TRUE(active(101));
  EXPECT_FALSE(active(*record.newTokenId));
  EXPECT_TRUE(variableValue("GITLAB_API_TOKEN") == valueOf(101));
}

TEST_F(RotationSafetyTest, RecoveryOfAHiddenConsumerAsksAPersonAndSaysWhy) {
  // Hidden variables answer "value": null, so which token they hold cannot be read.
  crashAt("PUT", "/variables/", /*afterEffect=*/true);
  EXPECT_THROW(rotate(request()), SimulatedCrash);
  auto record = journal_->unfinished()->front();
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method == "GET" && r.url.find("/variables/") != std::string::npos) {
      auto real = transport_->forward(r);
      auto j = nlohmann::json::parse(real->body);
      j["value"] = nullptr;
      j["hidden"] = true;
      return http::ClientResponse{200, real->headers, j.dump()};
    }
    return std::nullopt;
  };
  makeEngine();
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(journalState(record.id), "awaiting_decision");
  EXPECT_NE(lines[0].find("hidden"), std::string::npos) << lines[0];
  EXPECT_TRUE(active(101));
  EXPECT_TRUE(active(*record.newTokenId));
}

TEST_F(RotationSafetyTest, TheNewTokenOfAnUnfinishedRotationCannotBeRotatedOrRevoked) {
  failPipelines();
  auto stopped = rotate(request());
  ASSERT_TRUE(stopped) << stopped.error().message;
  ASSERT_EQ(stopped->state, RotationState::kAwaitingDecision);
  int64_t newId = stopped->newToken->id;

  auto second = engine_->plan(request(std::to_string(newId), "k2"));
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE(second->blockedBy) << "the new token of rotation #" << stopped->rotationId << " was plannable";
  EXPECT_EQ(second->blockedBy->rotationId, stopped->rotationId);
  auto run = engine_->execute(*second, request(std::to_string(newId), "k2"), sink_);
  ASSERT_FALSE(run) << "a second rotation of the new token started";
  EXPECT_EQ(run.error().kind, ErrorKind::kConflict);
  EXPECT_NE(run.error().message.find("#" + std::to_string(stopped->rotationId)), std::string::npos)
      << run.error().message;

  auto owner = engine_->rotationOwning(newId);
  ASSERT_TRUE(owner && *owner);
  EXPECT_EQ((*owner)->rotationId, stopped->rotationId);
  auto ownerOfOld = engine_->rotationOwning(101);
  ASSERT_TRUE(ownerOfOld && *ownerOfOld);
  auto none = engine_->rotationOwning(103);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

// An unanswered create of one rotation must not take another unfinished rotation's new token of
// the same name for its orphan.
TEST_F(RotationSafetyTest, OrphanSearchesNeverRevokeATokenAnotherRotationOwns) {
  // A second token of the same name on the same account, and a rotation of it that stopped for a
  // decision after creating its replacement.
  const int64_t twin = createInventoryToken(kInventoryTokenName, {"api"}, 30);
  const int64_t twinNew = createInventoryToken(kInventoryTokenName, {"api"}, 60);
  ASSERT_TRUE(journalStoppedRotation("other", kInventoryTokenName, twin, twinNew, "pipeline", "failed",
                                     RotationState::kAwaitingDecision));

  // This rotation of 101 crashes while creating (after GitLab made the token): recovery searches by name.
  crashAt("POST", "/users/10/personal_access_tokens", /*afterEffect=*/true);
  EXPECT_THROW(rotate(request()), SimulatedCrash);
  transport_->intercept = nullptr;
  makeEngine();
  (void)engine_->recover();
  EXPECT_TRUE(active(twinNew)) << "the other rotation's new token was revoked as an orphan";
  EXPECT_TRUE(active(101));
  EXPECT_EQ(activeNamed(kInventoryTokenName), 3) << "101, the twin and the twin's replacement";
}

// Issue 12, hole 6: the engine every command builds closes the tracking issue the watcher opened.
TEST_F(RotationSafetyTest, TheFactoryEngineFindsTheWatchersTrackingIssue) {
  policy_.tokens[0].trackingIssue.reset();
  storage::WatcherStore store(*db_, clock_);
  storage::TrackingIssueRecord issue;
  issue.tokenId = 101;
  issue.project = "sec/team";
  issue.iid = 262;
  issue.state = "opened";
  ASSERT_TRUE(store.saveTrackingIssue(issue));
  EngineOptions eo;
  eo.pipelinePollInterval = std::chrono::seconds(0);
  auto parts = makeRotationEngine(*api_, *db_, *journal_, *audit_, clock_, policy_, eo);
  auto plan = parts.engine->plan(request());
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->issue) << "the tracking issue the watcher opened was not found";
  EXPECT_EQ(plan->issue->iid, 262);
}

}  // namespace
}  // namespace patbot::handlers::testing
