// RejectedAuditThrottle on its own (pure logic, FakeClock time), then through SlackEndpoints with
// a real SQLite audit trail: a flood of badly signed requests costs a bounded number of rows and
// the hash chain stays valid.
#include "bot/rejected_audit_throttle.h"

#include <gtest/gtest.h>

#include "bot/slack_endpoints.h"
#include "core/time_format.h"
#include "slack/signature_verifier.h"
#include "tests/bot/command_service_fixture.h"

namespace patbot {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(*parseDate("2026-03-02")) + 9h;

RejectedRequest bad(std::string remote = "203.0.113.7", std::string reason = "mismatch") {
  return {std::move(reason), "/slack/commands", std::move(remote)};
}

TEST(RejectedAuditThrottle, FirstKOfAWindowAreIndividualTheRestCounted) {
  RejectedAuditThrottle throttle(3, 60s);
  for (int i = 0; i < 3; ++i) {
    auto d = throttle.record(bad(), kT0 + std::chrono::seconds(i));
    EXPECT_TRUE(d.individual) << i;
    EXPECT_FALSE(d.closed);
  }
  auto fourth = throttle.record(bad(), kT0 + 5s);
  EXPECT_FALSE(fourth.individual);
  EXPECT_TRUE(fourth.firstSuppressed);
  auto fifth = throttle.record(bad("198.51.100.1", "stale"), kT0 + 6s);
  EXPECT_FALSE(fifth.individual);
  EXPECT_FALSE(fifth.firstSuppressed);
  EXPECT_FALSE(throttle.takeDue(kT0 + 59s)) << "the window has not ended";

  auto summary = throttle.takeDue(kT0 + 60s);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->individual, 3u);
  EXPECT_EQ(summary->suppressed, 2u);
  EXPECT_EQ(summary->windowStart, kT0);
  EXPECT_EQ(summary->windowEnd, kT0 + 60s);
  EXPECT_EQ(summary->byReason.at("mismatch"), 1u);
  EXPECT_EQ(summary->byReason.at("stale"), 1u);
  EXPECT_EQ(summary->byPath.at("/slack/commands"), 2u);
  EXPECT_EQ(summary->byRemote.size(), 2u);
  EXPECT_FALSE(throttle.takeDue(kT0 + 61s)) << "handed out once";
  EXPECT_FALSE(throttle.takeAll());

  // A new window opens at the next refusal, with a fresh allowance.
  EXPECT_TRUE(throttle.record(bad(), kT0 + 300s).individual);
}

TEST(RejectedAuditThrottle, AWindowWithoutSuppressionYieldsNothing) {
  RejectedAuditThrottle throttle(5, 60s);
  throttle.record(bad(), kT0);
  throttle.record(bad(), kT0 + 1s);
  EXPECT_FALSE(throttle.takeDue(kT0 + 120s));
  EXPECT_FALSE(throttle.takeAll());
}

TEST(RejectedAuditThrottle, TheNextRefusalAfterAWindowHandsItsSummaryOver) {
  RejectedAuditThrottle throttle(1, 60s);
  throttle.record(bad(), kT0);
  throttle.record(bad(), kT0 + 1s);
  throttle.record(bad(), kT0 + 2s);
  auto next = throttle.record(bad(), kT0 + 61s);
  EXPECT_TRUE(next.individual) << "first of the new window";
  ASSERT_TRUE(next.closed);
  EXPECT_EQ(next.closed->suppressed, 2u);
  EXPECT_EQ(next.closed->windowStart, kT0);
}

TEST(RejectedAuditThrottle, TakeAllClosesAnOpenWindow) {
  RejectedAuditThrottle throttle(1, 60s);
  throttle.record(bad(), kT0);
  throttle.record(bad(), kT0 + 1s);
  auto summary = throttle.takeAll();
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->suppressed, 1u);
  EXPECT_TRUE(throttle.record(bad(), kT0 + 2s).individual) << "a fresh window after shutdown flush";
}

TEST(RejectedAuditThrottle, RemotesAreCappedWithTheRestUnderOther) {
  RejectedAuditThrottle throttle(0, 60s);
  const size_t many = RejectedAuditThrottle::kMaxRemotes + 25;
  for (size_t i = 0; i < many; ++i) throttle.record(bad("10.0.0." + std::to_string(i)), kT0);
  throttle.record(bad("10.0.0.0"), kT0);   // an address already counted keeps its own entry
  auto summary = throttle.takeAll();
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->suppressed, many + 1);
  EXPECT_EQ(summary->byRemote.size(), RejectedAuditThrottle::kMaxRemotes + 1);
  EXPECT_EQ(summary->byRemote.at("other"), 25u);
  EXPECT_EQ(summary->byRemote.at("10.0.0.0"), 2u);
}

TEST(RejectedAuditThrottle, RowsAreBoundedWhateverTheFloodSize) {
  // 100 000 refusals spread over 10 minutes: at most ceil(600/60) * (20 + 1) rows.
  RejectedAuditThrottle throttle(20, 60s);
  size_t rows = 0;
  for (int i = 0; i < 100000; ++i) {
    auto d = throttle.record(bad(), kT0 + std::chrono::milliseconds(i * 6));
    rows += d.individual ? 1 : 0;
    rows += d.closed ? 1 : 0;
  }
  rows += throttle.takeAll() ? 1 : 0;
  EXPECT_LE(rows, 10u * 21u);
  EXPECT_GE(rows, 10u * 21u - 21u);
}

TEST(RejectedAuditThrottle, SummaryJsonNamesCountsAndWindow) {
  RejectedAuditThrottle throttle(0, 60s);
  throttle.record(bad(), kT0);
  auto j = throttle.takeAll()->toJson();
  EXPECT_EQ(j["suppressed"], 1);
  EXPECT_EQ(j["individually_audited"], 0);
  EXPECT_EQ(j["window_start"], "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(j["window_end"], "2026-03-02T09:01:00.000Z");
  EXPECT_EQ(j["reasons"]["mismatch"], 1);
  EXPECT_EQ(j["paths"]["/slack/commands"], 1);
  EXPECT_EQ(j["remotes"]["203.0.113.7"], 1);
}

// --- Through SlackEndpoints ------------------------------------------------------------------

class EndpointsFloodTest : public testing::CommandServiceFixture {
 protected:
  EndpointsFloodTest() : CommandServiceFixture(kT0) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CommandServiceFixture::SetUp());
    startService();
    endpoints_ = std::make_unique<SlackEndpoints>(verifier_, *service_, *audit_, metrics_, clock_);
  }

  http::Request badlySigned(int i) {
    http::Request r;
    r.method = "POST";
    r.path = "/slack/commands";
    r.remote = "203.0.113." + std::to_string(i % 3);
    r.body = "command=%2Fpat&text=status&user_id=U1";
    r.headers["x-slack-request-timestamp"] = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());
    r.headers["x-slack-signature"] = "v0=" + std::string(64, '0');
    return r;
  }

  slack::SignatureVerifier verifier_{Secret("test-signing-secret"), clock_};
  std::unique_ptr<SlackEndpoints> endpoints_;
};

TEST_F(EndpointsFloodTest, AFloodCostsKRowsAndOneAggregateAndTheChainHolds) {
  const int flood = 500;
  for (int i = 0; i < flood; ++i) {
    EXPECT_EQ(endpoints_->commands(badlySigned(i)).status, 401);
    clock_.advance(10ms);
  }
  auto before = auditRows();
  EXPECT_EQ(before.size(), 20u) << "only the first 20 of the window are audited one by one";
  endpoints_->flushRejectedAudit();
  EXPECT_EQ(auditRows().size(), 20u) << "the window (60 s) has not ended yet";

  clock_.advance(60s);
  endpoints_->flushRejectedAudit();
  auto after = auditRows();
  ASSERT_EQ(after.size(), 21u);
  const auto& aggregate = after.front().record;   // newest first
  EXPECT_EQ(aggregate.action, "request.rejected.aggregate");
  EXPECT_EQ(aggregate.outcome, "rejected");
  EXPECT_EQ(aggregate.target, "/slack/commands");
  EXPECT_EQ(aggregate.detail["suppressed"], flood - 20);
  EXPECT_EQ(aggregate.detail["individually_audited"], 20);
  EXPECT_EQ(aggregate.detail["reasons"]["mismatch"], flood - 20);
  EXPECT_EQ(aggregate.detail["remotes"].size(), 3u);
  EXPECT_FALSE(after.front().record.requestId.empty());
  EXPECT_EQ(after.back().record.action, "request.rejected");

  auto verified = audit_->verify();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->firstBadId) << verified->reason;
  EXPECT_EQ(verified->rowsChecked, 21);

  // Every refusal is still counted in the metrics, aggregated or not.
  std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("patbot_slack_rejected_total{reason=\"mismatch\"} 500"), std::string::npos) << metrics;
}

TEST_F(EndpointsFloodTest, ShutdownFlushWritesTheOpenWindow) {
  for (int i = 0; i < 25; ++i) endpoints_->commands(badlySigned(i));
  endpoints_->flushRejectedAudit(/*all=*/true);
  auto all = auditRows();
  ASSERT_EQ(all.size(), 21u);
  EXPECT_EQ(all.front().record.detail["suppressed"], 5);
}

}  // namespace
}  // namespace patbot
