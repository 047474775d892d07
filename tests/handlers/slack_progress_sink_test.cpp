// SlackProgressSink: chat.postMessage + chat.update with a bot token, else a few response_url
// messages that leave room for the final result within the URL's 5 uses.
#include "handlers/slack_progress_sink.h"

#include <gtest/gtest.h>

#include "tests/support/recording_notifier.h"

namespace patbot::handlers {
namespace {

using patbot::testing::RecordingNotifier;

// Posts fail as they do without a bot token.
void withoutBotToken(RecordingNotifier& n) { n.failPosts(Error::make(ErrorKind::kConfig, "no bot token")); }

RotationProgress progressWith(std::vector<StepState> states) {
  RotationProgress p{"Rotating a/b", {}};
  for (size_t i = 0; i < states.size(); ++i) p.steps.push_back({"step " + std::to_string(i), states[i], ""});
  return p;
}

TEST(SlackProgressSinkTest, WithABotTokenPostsOnceThenUpdatesInPlace) {
  RecordingNotifier n;
  SlackProgressSink sink(n, "C0PATBOT01", "https://hooks.slack.test/r/1");
  sink.show(progressWith({StepState::kRunning, StepState::kPending}));
  sink.show(progressWith({StepState::kDone, StepState::kRunning}));
  sink.show(progressWith({StepState::kDone, StepState::kDone}));
  EXPECT_EQ(n.posts().size(), 1u);
  EXPECT_EQ(n.updates().size(), 2u);
  EXPECT_TRUE(n.responses().empty());
}

TEST(SlackProgressSinkTest, WithoutABotTokenUsesTheResponseUrlOnlyWhenAStepFinishesAndWithinBudget) {
  RecordingNotifier n;
  withoutBotToken(n);
  SlackProgressSink sink(n, "C0PATBOT01", "https://hooks.slack.test/r/1");
  using S = StepState;
  sink.show(progressWith({S::kRunning, S::kPending, S::kPending, S::kPending, S::kPending}));
  EXPECT_TRUE(n.responses().empty()) << "a step starting is not worth one of the 5 uses";
  sink.show(progressWith({S::kDone, S::kPending, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kRunning, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kDone, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kDone, S::kDone}));
  const auto responses = n.responses();
  ASSERT_EQ(responses.size(), static_cast<size_t>(SlackProgressSink::kResponseUrlBudget));
  // Issue 13: only the requester sees progress, each step as a new message (a slash command's
  // response_url cannot replace its ephemeral ack in place); the result alone goes in_channel.
  for (const auto& r : responses) {
    EXPECT_EQ(r.to, "https://hooks.slack.test/r/1");
    EXPECT_TRUE(r.message.ephemeral);
    EXPECT_FALSE(r.message.replaceOriginal);
  }
  EXPECT_TRUE(n.posts().empty());
}

TEST(SlackProgressSinkTest, WithoutAResponseUrlOrBotTokenStaysSilent) {
  RecordingNotifier n;
  withoutBotToken(n);
  SlackProgressSink sink(n, "C0PATBOT01");
  sink.show(progressWith({StepState::kDone}));
  EXPECT_TRUE(n.responses().empty());
}

}  // namespace
}  // namespace patbot::handlers
