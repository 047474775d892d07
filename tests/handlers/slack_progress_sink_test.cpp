// SlackProgressSink: chat.postMessage + chat.update with a bot token, else a few response_url
// messages that leave room for the final result within the URL's 5 uses.
#include "handlers/slack_progress_sink.h"

#include <gtest/gtest.h>

namespace patbot::handlers {
namespace {

class RecordingNotifier final : public slack::Notifier {
 public:
  bool hasBotToken = true;
  int posts = 0, updates = 0;
  std::vector<slack::Message> responses;

  Status respond(const std::string&, const slack::Message& m) override {
    responses.push_back(m);
    return okStatus();
  }
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message&) override {
    if (!hasBotToken) return Error::make(ErrorKind::kConfig, "no bot token");
    ++posts;
    return slack::PostedMessage{channel, "1700000000.000100"};
  }
  Status update(const slack::PostedMessage&, const slack::Message&) override {
    ++updates;
    return okStatus();
  }
};

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
  EXPECT_EQ(n.posts, 1);
  EXPECT_EQ(n.updates, 2);
  EXPECT_TRUE(n.responses.empty());
}

TEST(SlackProgressSinkTest, WithoutABotTokenUsesTheResponseUrlOnlyWhenAStepFinishesAndWithinBudget) {
  RecordingNotifier n;
  n.hasBotToken = false;
  SlackProgressSink sink(n, "C0PATBOT01", "https://hooks.slack.test/r/1");
  using S = StepState;
  sink.show(progressWith({S::kRunning, S::kPending, S::kPending, S::kPending, S::kPending}));
  EXPECT_TRUE(n.responses.empty()) << "a step starting is not worth one of the 5 uses";
  sink.show(progressWith({S::kDone, S::kPending, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kRunning, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kPending, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kPending, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kDone, S::kPending}));
  sink.show(progressWith({S::kDone, S::kDone, S::kDone, S::kDone, S::kDone}));
  ASSERT_EQ(n.responses.size(), static_cast<size_t>(SlackProgressSink::kResponseUrlBudget));
  // Issue 13: only the requester sees progress, each step as a new message (a slash command's
  // response_url cannot replace its ephemeral ack in place); the result alone goes in_channel.
  for (const auto& r : n.responses) {
    EXPECT_TRUE(r.ephemeral);
    EXPECT_FALSE(r.replaceOriginal);
  }
  EXPECT_EQ(n.posts, 0);
}

TEST(SlackProgressSinkTest, WithoutAResponseUrlOrBotTokenStaysSilent) {
  RecordingNotifier n;
  n.hasBotToken = false;
  SlackProgressSink sink(n, "C0PATBOT01");
  sink.show(progressWith({StepState::kDone}));
  EXPECT_TRUE(n.responses.empty());
}

}  // namespace
}  // namespace patbot::handlers
