// Shows rotation progress in Slack by posting one message with chat.postMessage and updating it
// in place with chat.update (SPEC §4). Without a bot token (post fails) it stays silent and the
// final result arrives through the response_url instead, to respect its 5-use limit.
#pragma once

#include <optional>
#include <string>

#include "handlers/rotation_engine.h"
#include "slack/notifier.h"

namespace patbot::handlers {

class SlackProgressSink final : public ProgressSink {
 public:
  SlackProgressSink(slack::Notifier& notifier, std::string channel) : notifier_(notifier), channel_(std::move(channel)) {}
  void show(const RotationProgress& progress) override;

 private:
  slack::Notifier& notifier_;
  std::string channel_;
  std::optional<slack::PostedMessage> posted_;
  bool disabled_ = false;
};

}  // namespace patbot::handlers
