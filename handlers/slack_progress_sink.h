// Shows rotation progress in Slack (SPEC §4): with a bot token, one message posted with
// chat.postMessage and updated in place with chat.update at every change. Without one (the post
// fails), through the command's response_url instead, and then only when a step finishes and at
// most kResponseUrlBudget times, so that the final result and a revealed value still fit in the
// URL's 5 uses. Not thread-safe: one sink per rotation, called from the thread running it.
#pragma once

#include <optional>
#include <string>

#include "handlers/rotation_engine.h"
#include "slack/notifier.h"

namespace patbot::handlers {

class SlackProgressSink final : public ProgressSink {
 public:
  static constexpr int kResponseUrlBudget = 3;

  // `responseUrl` "" = no fallback: without a bot token the progress is not shown.
  SlackProgressSink(slack::Notifier& notifier, std::string channel, std::string responseUrl = "")
      : notifier_(notifier), channel_(std::move(channel)), responseUrl_(std::move(responseUrl)) {}
  void show(const RotationProgress& progress) override;
  // Posts the value through the response_url, ephemeral (only the requester sees it); an Error
  // when there is none or Slack refused it (then the rotation's delivery failed).
  Status reveal(const std::string& target, const Secret& value) override;

 private:
  void showThroughResponseUrl(const RotationProgress& progress);

  slack::Notifier& notifier_;
  std::string channel_;
  std::string responseUrl_;
  std::optional<slack::PostedMessage> posted_;
  bool noBotToken_ = false;
  int responseUrlUses_ = 0;
  size_t finishedShown_ = 0;
};

}  // namespace patbot::handlers
