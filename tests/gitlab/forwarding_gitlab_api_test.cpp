// ForwardingGitLabApi: every GitLabApi call, with its arguments, reaches the wrapped API once, and
// its answer comes back unchanged.
#include "gitlab/forwarding_gitlab_api.h"

#include <type_traits>

#include <gtest/gtest.h>

#include "tests/support/forwarding_calls.h"
#include "tests/support/recording_gitlab_api.h"

namespace patbot::gitlab {
namespace {

// A decorator that overrides nothing must be instantiable: the base forwards every method.
class PlainForwarder final : public ForwardingGitLabApi {
 public:
  using ForwardingGitLabApi::ForwardingGitLabApi;
};
static_assert(!std::is_abstract_v<PlainForwarder>);

TEST(ForwardingGitLabApiTest, EveryCallReachesTheWrappedApiWithItsArgumentsAndAnswer) {
  patbot::testing::RecordingGitLabApi inner;
  PlainForwarder forwarder(inner);
  patbot::testing::expectEveryCallForwarded(forwarder, inner);
}

// A decorator that observes one call still forwards it, and the base forwards the rest.
TEST(ForwardingGitLabApiTest, ADecoratorOverridesOnlyWhatItObserves) {
  class CountingCreates final : public ForwardingGitLabApi {
   public:
    using ForwardingGitLabApi::ForwardingGitLabApi;
    Result<CreatedToken> createToken(const TokenOwner& owner, const TokenSpec& spec) override {
      ++creates;
      return ForwardingGitLabApi::createToken(owner, spec);
    }
    int creates = 0;
  };
  patbot::testing::RecordingGitLabApi inner;
  CountingCreates counting(inner);
  patbot::testing::expectEveryCallForwarded(counting, inner);
  EXPECT_EQ(counting.creates, 1);
}

}  // namespace
}  // namespace patbot::gitlab
