// How rotations look in Slack: the plan with Confirm / Cancel, the live progress, the
// announcement. Pure functions of their inputs.
#pragma once

#include <string>

#include "handlers/rotation_engine.h"
#include "slack/message.h"

namespace patbot::handlers {

inline constexpr const char* kConfirmAction = "pat_confirm";
inline constexpr const char* kCancelAction = "pat_cancel";

// The plan; with a non-empty confirmationId it carries Confirm / Cancel buttons.
slack::Message planMessage(const RotationPlan& plan, const std::string& confirmationId, bool dryRun);
slack::Message progressMessage(const RotationProgress& progress);
// The closing message of a rotation for the requester and the notification channel.
slack::Message resultMessage(const RotationPlan& plan, const RotationResult& result, const std::string& actor);
// A plain-text rendering of progress for terminals ("✓ create the new token — id 12").
std::string progressLines(const RotationProgress& progress);

}  // namespace patbot::handlers
