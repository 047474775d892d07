#include "handlers/slack_progress_sink.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handlers/rotation_messages.h"
#include "slack/block_kit.h"

namespace patbot::handlers {

void SlackProgressSink::show(const RotationProgress& progress) {
  if (noBotToken_ || channel_.empty()) return showThroughResponseUrl(progress);
  auto message = progressMessage(progress);
  if (!posted_) {
    auto posted = notifier_.post(channel_, message);
    if (!posted) {
      spdlog::info("live progress through chat.postMessage disabled: {}", posted.error().message);
      noBotToken_ = true;
      return showThroughResponseUrl(progress);
    }
    posted_ = *posted;
    return;
  }
  if (auto updated = notifier_.update(*posted_, message); !updated) {
    spdlog::warn("could not update the progress message: {}", updated.error().message);
  }
}

void SlackProgressSink::showThroughResponseUrl(const RotationProgress& progress) {
  if (responseUrl_.empty() || responseUrlUses_ >= kResponseUrlBudget) return;
  size_t finished = static_cast<size_t>(std::count_if(progress.steps.begin(), progress.steps.end(), [](const StepView& s) {
    return s.state == StepState::kDone || s.state == StepState::kFailed || s.state == StepState::kSkipped;
  }));
  if (finished <= finishedShown_) return;
  finishedShown_ = finished;
  ++responseUrlUses_;
  // Only the requester sees progress through the response_url, each step as a new message: a
  // slash command's response_url cannot replace its ephemeral acknowledgement in place, and a
  // click's keeps the message with the button for the result to replace. The result alone goes
  // to the channel (CommandService delivers it).
  auto message = progressMessage(progress);
  message.ephemeral = true;
  message.replaceOriginal = false;
  if (auto sent = notifier_.respond(responseUrl_, message); !sent) {
    spdlog::warn("could not show progress through the response_url: {}", sent.error().message);
  }
}

}  // namespace patbot::handlers

namespace patbot::handlers {

Status SlackProgressSink::reveal(const std::string& target, const Secret& value) {
  if (responseUrl_.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "there is no Slack response_url to show it to the requester alone");
  }
  ++responseUrlUses_;
  auto message = slack::textMessage(fmt::format(":key: New value of {} (shown once, only to you; store it now): `{}`",
                                                slack::codeSpan(target), value.reveal()));
  return notifier_.respond(responseUrl_, message);
}

}  // namespace patbot::handlers
