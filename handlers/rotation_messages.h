// How rotations look in Slack: the plan with Confirm / Cancel, the live progress, the
// announcement. Pure functions of their inputs.
#pragma once

#include <optional>
#include <string>

#include "handlers/rotation_engine.h"
#include "slack/message.h"

namespace patbot::handlers {

inline constexpr const char* kConfirmAction = "pat_confirm";
inline constexpr const char* kCancelAction = "pat_cancel";
// Decision buttons of a rotation in kAwaitingDecision; value = the rotation id. The action id is
// "pat_decide_" + decisionName(): pat_decide_retry, pat_decide_roll_back, pat_decide_revoke_old.
inline constexpr const char* kDecisionActionPrefix = "pat_decide_";
// The Rotate button of the watcher's digest; value = the token id.
inline constexpr const char* kDigestRotateAction = "pat_digest_rotate";

// The plan; with a non-empty confirmationId it carries Confirm / Cancel buttons.
slack::Message planMessage(const RotationPlan& plan, const std::string& confirmationId, bool dryRun);
slack::Message progressMessage(const RotationProgress& progress);
// The closing message of a rotation for the requester and the notification channel.
slack::Message resultMessage(const RotationPlan& plan, const RotationResult& result, const std::string& actor);
// The buttons for `decisions` (none: nullopt). Revoke old anyway asks for confirmation.
std::optional<nlohmann::json> decisionButtons(int64_t rotationId, const std::vector<Decision>& decisions);
// Another rotation of the token is unfinished: who started it, when, and, when it waits for a
// decision, where it stopped with the decision buttons.
slack::Message pendingRotationMessage(const std::string& target, const PendingRotation& pending);
// A plain-text rendering of progress for terminals ("✓ create the new token — id 12").
std::string progressLines(const RotationProgress& progress);

}  // namespace patbot::handlers
