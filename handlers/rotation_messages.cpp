#include "handlers/rotation_messages.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

const char* mark(StepState s) {
  switch (s) {
    case StepState::kPending: return "…";
    case StepState::kRunning: return "➜";
    case StepState::kDone: return "✓";
    case StepState::kFailed: return "✗";
    case StepState::kSkipped: return "–";
  }
  return "?";
}

// A Slack user id becomes a mention; "watcher" or "cli:alice" is shown as it is.
std::string who(const std::string& actor) {
  bool slackUser = actor.size() >= 2 && (actor[0] == 'U' || actor[0] == 'W') &&
                   std::all_of(actor.begin(), actor.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); });
  return slackUser ? "<@" + actor + ">" : slack::codeSpan(actor);
}

std::string consumersText(const RotationPlan& p) {
  if (p.consumers.empty()) return "none configured: the new value is shown once, to you only (--reveal)";
  std::string out;
  for (const auto& c : p.consumers) {
    out += fmt::format("\n• {} {} in {}{}", c.kind == gitlab::VariableOwnerKind::kProject ? "project variable" : "group variable",
                       slack::codeSpan(c.key), slack::codeSpan(c.owner),
                       c.environmentScope.empty() ? "" : " (scope " + slack::codeSpan(c.environmentScope) + ")");
  }
  return out;
}

}  // namespace

slack::Message planMessage(const RotationPlan& p, const std::string& confirmationId, bool dryRun) {
  std::string body = fmt::format(
      "*Token:* {} (id {}, scopes {}, expires {})\n*Replacement expires:* {}\n*Consumers to update:* {}\n"
      "*Verify pipeline:* {}\n*Tracking issue:* {}\n*Old token:* {}",
      slack::codeSpan(p.target()), p.oldToken.id, slack::escapeText(fmt::format("{}", fmt::join(p.oldToken.scopes, ","))),
      p.oldToken.expiresAt ? formatDate(*p.oldToken.expiresAt) : std::string("never"), formatDate(p.newSpec.expiresAt),
      consumersText(p),
      p.pipeline ? fmt::format("{} on {}", slack::codeSpan(p.pipeline->project), slack::codeSpan(p.pipeline->ref))
                 : std::string("none"),
      p.issue ? fmt::format("{} (comment and close)", slack::codeSpan(fmt::format("{}#{}", p.issue->project, p.issue->iid)))
              : std::string("none"),
      p.strategy == RotationStrategy::kRotate ? "revoked by GitLab's rotate, at once (strategy rotate)"
      : p.immediate                           ? "revoked at once (--immediate)"
                                              : "revoked after the new one is verified");
  slack::Message m;
  m.text = "Rotation plan for " + slack::escapeText(p.target());
  m.blocks.push_back(slack::header(dryRun ? "Rotation plan (dry run)" : "Rotation plan"));
  m.blocks.push_back(slack::section(body));
  if (!p.notes.empty()) {
    std::vector<std::string> notes;
    for (const auto& n : p.notes) notes.push_back(slack::escapeText(n));
    m.blocks.push_back(slack::context(notes));
  }
  if (dryRun) {
    m.blocks.push_back(slack::context({"Dry run: every consumer and the pipeline project were checked; nothing was changed."}));
  } else if (!confirmationId.empty()) {
    m.blocks.push_back(slack::actions(
        {slack::button("Confirm rotation", kConfirmAction, confirmationId, "danger"),
         slack::button("Cancel", kCancelAction, confirmationId)},
        "pat_rotation"));
    m.blocks.push_back(slack::context({"Only operators can confirm. This confirmation expires in 15 minutes."}));
  }
  return m;
}

std::string progressLines(const RotationProgress& progress) {
  std::string out = progress.title + "\n";
  for (const auto& s : progress.steps) {
    out += fmt::format("  {} {}{}\n", mark(s.state), s.label, s.note.empty() ? "" : " — " + s.note);
  }
  return out;
}

slack::Message progressMessage(const RotationProgress& progress) {
  std::string body;
  for (const auto& s : progress.steps) {
    body += fmt::format("{} {}{}\n", mark(s.state), slack::escapeText(s.label),
                        s.note.empty() ? "" : " — " + slack::escapeText(s.note));
  }
  slack::Message m;
  m.text = slack::escapeText(progress.title);
  m.ephemeral = false;
  m.blocks.push_back(slack::section("*" + slack::escapeText(progress.title) + "*\n" + body));
  return m;
}

slack::Message resultMessage(const RotationPlan& p, const RotationResult& r, const std::string& actor) {
  std::string head;
  switch (r.state) {
    case storage::RotationState::kCompleted: head = ":white_check_mark: Rotated"; break;
    case storage::RotationState::kRevokeScheduled: head = ":hourglass: Rotated, old token revoke scheduled"; break;
    case storage::RotationState::kRolledBack: head = ":leftwards_arrow_with_hook: Rotation rolled back"; break;
    case storage::RotationState::kAwaitingDecision: head = ":warning: Rotation needs a decision"; break;
    default: head = ":x: Rotation failed"; break;
  }
  std::string lines = fmt::format("{} {} (asked by {})", head, slack::codeSpan(p.target()), who(actor));
  if (r.state != storage::RotationState::kCompleted) lines += "\n" + slack::escapeText(r.summary);
  if (r.newToken) {
    lines += fmt::format("\n*Old id* {} → *new id* {}, new expiry {}", p.oldToken.id, r.newToken->id,
                         formatDate(r.newToken->expiresAt.value_or(p.newSpec.expiresAt)));
  }
  if (!r.consumersUpdated.empty()) {
    lines += "\n*Consumers updated:* " + slack::escapeText(fmt::format("{}", fmt::join(r.consumersUpdated, ", ")));
  }
  if (!r.pipelineUrl.empty()) lines += "\n*Verify pipeline:* " + slack::link(r.pipelineUrl, r.pipelineStatus);
  slack::Message m;
  m.text = head + " " + slack::escapeText(p.target());
  m.ephemeral = false;
  m.blocks.push_back(slack::section(lines));
  if (r.state == storage::RotationState::kAwaitingDecision) {
    if (auto buttons = decisionButtons(r.rotationId, r.decisions)) m.blocks.push_back(*buttons);
  }
  return m;
}

std::optional<nlohmann::json> decisionButtons(int64_t rotationId, const std::vector<Decision>& decisions) {
  if (decisions.empty()) return std::nullopt;
  std::vector<nlohmann::json> buttons;
  std::string value = std::to_string(rotationId);
  for (auto d : decisions) {
    std::string action = std::string(kDecisionActionPrefix) + decisionName(d);
    switch (d) {
      case Decision::kRetry:
        buttons.push_back(slack::button("Retry", action, value, "primary"));
        break;
      case Decision::kRollBack:
        buttons.push_back(slack::button("Roll back", action, value));
        break;
      case Decision::kRevokeOld: {
        auto b = slack::button("Revoke old anyway", action, value, "danger");
        b["confirm"] = slack::confirmDialog("Revoke the old token?",
                                            "Verification did not pass. Everything still using the old token stops "
                                            "working at once.",
                                            "Revoke old", "Keep both");
        buttons.push_back(b);
        break;
      }
      case Decision::kAbandon: {
        auto b = slack::button("Close, keep both", action, value);
        b["confirm"] = slack::confirmDialog("Close this rotation?",
                                            "patbot stops here and changes nothing: both tokens stay valid and you "
                                            "sort out the consumers by hand.",
                                            "Close it", "Go back", "primary");
        buttons.push_back(b);
        break;
      }
    }
  }
  return slack::actions(buttons, "pat_decide_" + value);
}

slack::Message pendingRotationMessage(const std::string& target, const PendingRotation& pending) {
  slack::Message m;
  if (pending.state != storage::RotationState::kAwaitingDecision) {
    m = slack::textMessage(fmt::format(
        ":hourglass_flowing_sand: A rotation of {} started by {} at {} is still running (#{}, {}). Wait for it to finish.",
        slack::codeSpan(target), who(pending.actor), slack::escapeText(pending.startedAt), pending.rotationId,
        storage::rotationStateName(pending.state)));
    return m;
  }
  m.text = fmt::format("Rotation #{} of {} waits for a decision", pending.rotationId, slack::escapeText(target));
  m.blocks.push_back(slack::section(fmt::format(
      ":warning: Rotation #{} of {} (started by {} at {}) stopped at {} and waits for a decision.",
      pending.rotationId, slack::codeSpan(target), who(pending.actor), slack::escapeText(pending.startedAt),
      slack::escapeText(pending.stoppedAt))));
  if (auto buttons = decisionButtons(pending.rotationId, pending.decisions)) m.blocks.push_back(*buttons);
  return m;
}

}  // namespace patbot::handlers
