#include "handlers/slack_progress_sink.h"

#include <spdlog/spdlog.h>

#include "handlers/rotation_messages.h"

namespace patbot::handlers {

void SlackProgressSink::show(const RotationProgress& progress) {
  if (disabled_ || channel_.empty()) return;
  auto message = progressMessage(progress);
  if (!posted_) {
    auto posted = notifier_.post(channel_, message);
    if (!posted) {
      spdlog::info("live progress disabled: {}", posted.error().message);
      disabled_ = true;
      return;
    }
    posted_ = *posted;
    return;
  }
  if (auto updated = notifier_.update(*posted_, message); !updated) {
    spdlog::warn("could not update the progress message: {}", updated.error().message);
  }
}

}  // namespace patbot::handlers
