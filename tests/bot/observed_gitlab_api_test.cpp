// ObservedGitLabApi: forwards every call unchanged, and notes GitLab's health (for /readyz) and
// when a token was last written, from the calls that say something about them.
#include "bot/observed_gitlab_api.h"

#include <optional>

#include <gtest/gtest.h>

#include "tests/support/forwarding_calls.h"
#include "tests/support/recording_gitlab_api.h"

namespace patbot {
namespace {

const TimePoint kNow{std::chrono::seconds(1767225600)};   // 2026-01-01T00:00:00Z

// selfToken answers `selfAnswer` (success when unset); tokenSelf always fails as unauthorized.
class HealthGitLab final : public testing::RecordingGitLabApi {
 public:
  Result<gitlab::AccessToken> selfToken() override {
    if (selfAnswer) return *selfAnswer;
    return gitlab::AccessToken{};
  }
  Result<gitlab::AccessToken> tokenSelf(const Secret&) override {
    return Error::make(ErrorKind::kUnauthorized, "the checked token is revoked");
  }
  std::optional<Error> selfAnswer;
};

TEST(ObservedGitLabApiTest, ForwardsEveryCallWithItsArgumentsAndAnswer) {
  testing::RecordingGitLabApi inner;
  FakeClock clock(kNow);
  ObservedGitLabApi observed(inner, &clock);
  testing::expectEveryCallForwarded(observed, inner);
}

TEST(ObservedGitLabApiTest, ReadinessFollowsGitLabNotTheCheckedToken) {
  HealthGitLab inner;
  ObservedGitLabApi observed(inner);
  EXPECT_EQ(observed.problem(), "no GitLab call has completed yet");
  ASSERT_TRUE(observed.selfToken().ok());
  EXPECT_EQ(observed.problem(), "");
  EXPECT_FALSE(observed.tokenSelf(Secret("glpat-checked")).ok());
  EXPECT_EQ(observed.problem(), "") << "a checked token's failure is not GitLab's";
  inner.selfAnswer = Error::make(ErrorKind::kUnavailable, "GitLab is unreachable");
  EXPECT_FALSE(observed.selfToken().ok());
  EXPECT_EQ(observed.problem(), "last GitLab call failed: GitLab is unreachable");
  EXPECT_FALSE(observed.getProject("sec/app").ok());   // kInternal: GitLab answered
  EXPECT_EQ(observed.problem(), "");
}

TEST(ObservedGitLabApiTest, RemembersWhenATokenWasLastWrittenWhateverTheOutcome) {
  testing::RecordingGitLabApi inner;
  FakeClock clock(kNow);
  ObservedGitLabApi observed(inner, &clock);
  const gitlab::TokenOwner account{10, "inventory-bot", "Inventory"};
  EXPECT_FALSE(observed.lastTokenWrite());
  EXPECT_FALSE(observed.createToken(account, {"t", std::nullopt, {"api"}, Date(std::chrono::year(2027) / 1 / 1)}).ok());
  EXPECT_EQ(observed.lastTokenWrite(), kNow);
  clock.advance(std::chrono::minutes(5));
  EXPECT_FALSE(observed.revokeToken(account, 7).ok());
  EXPECT_EQ(observed.lastTokenWrite(), kNow + std::chrono::minutes(5));

  ObservedGitLabApi clockless(inner);
  EXPECT_FALSE(clockless.revokeToken(account, 7).ok());
  EXPECT_FALSE(clockless.lastTokenWrite()) << "without a clock the time stays unknown";
}

}  // namespace
}  // namespace patbot
