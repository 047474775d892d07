#include "handlers/token_operations.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "handlers/rotation_messages.h"
#include "handlers/slack_progress_sink.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

// The answer to a request the journal shows was already handled (same request key).
CommandOutput alreadyHandledOutput(const RotationResult& earlier) {
  CommandOutput out;
  out.detail = earlier.summary;
  out.messages.push_back(slack::textMessage(":information_source: " + slack::escapeText(earlier.summary)));
  return out;
}

CommandOutput failed(const std::string& what, const Error& e) {
  CommandOutput out;
  out.outcome = "error";
  out.detail = e.message;
  out.messages.push_back(errorMessage(what, e));
  return out;
}

std::string targetOf(const ResolvedToken& t) { return tokenTarget(t.account, t.token.name); }

}  // namespace

slack::Message errorMessage(const std::string& what, const Error& e) {
  return slack::textMessage(fmt::format(":x: {}: {}", slack::escapeText(what), slack::escapeText(e.message)));
}

TokenOperations::TokenOperations(RotationEngine& engine, gitlab::GitLabApi& gitlab,
                                 storage::ConfirmationStore& confirmations, slack::Notifier& notifier,
                                 std::string notifyChannel, slack::Notifier& announcements)
    : engine_(engine), gitlab_(gitlab), confirmations_(confirmations), notifier_(notifier),
      notifyChannel_(std::move(notifyChannel)), announcements_(announcements) {}

std::string TokenOperations::progressChannel(const std::string& channel) const {
  return notifyChannel_.empty() ? channel : notifyChannel_;
}

CommandOutput TokenOperations::planOrRun(const RotateArgs& a, bool confirmed, const std::string& actor,
                                         const std::string& key, const std::string& channel,
                                         const std::string& responseUrl) {
  if (!a.dryRun && confirmed) return runRotation(a, actor, key, channel, responseUrl);
  RotationRequest rr{a.token, a.expiresInDays, a.dryRun, a.immediate, a.reveal, actor, key, channel, a.strategy};
  auto plan = engine_.plan(rr);
  if (!plan) return failed("Cannot rotate " + a.token, plan.error());
  CommandOutput out;
  out.target = plan->target();
  out.tokenId = plan->oldToken.id;
  if (plan->blockedBy && !a.dryRun) return blocked(*plan);
  if (a.dryRun) {
    out.detail = "dry run";
    out.messages.push_back(planMessage(*plan, "", true));
    if (plan->blockedBy) out.messages.push_back(pendingRotationMessage(plan->target(), *plan->blockedBy));
    return out;
  }
  nlohmann::json req = {{"token_id", plan->oldToken.id}, {"immediate", a.immediate}, {"reveal", a.reveal},
                        {"strategy", strategyName(plan->strategy)}};
  if (a.expiresInDays) req["expires_in_days"] = *a.expiresInDays;
  auto confirmation = confirmations_.create("rotate", actor, channel, req);
  if (!confirmation) return failed("Cannot ask for confirmation", confirmation.error());
  out.detail = "awaiting confirmation";
  out.messages.push_back(planMessage(*plan, confirmation->id, false));
  return out;
}

CommandOutput TokenOperations::blocked(const RotationPlan& plan) {
  CommandOutput out;
  out.outcome = "refused";
  out.target = plan.target();
  out.tokenId = plan.oldToken.id;
  out.detail = fmt::format("rotation #{} of this token is {}", plan.blockedBy->rotationId,
                           storage::rotationStateName(plan.blockedBy->state));
  out.messages.push_back(pendingRotationMessage(plan.target(), *plan.blockedBy));
  return out;
}

void TokenOperations::announce(const std::string& channel, const slack::Message& message) {
  std::string where = progressChannel(channel);
  if (where.empty()) return;
  if (auto posted = announcements_.post(where, message); !posted) {
    spdlog::info("announcement not posted: {}", posted.error().message);
  }
}

CommandOutput TokenOperations::runRotation(const RotateArgs& a, const std::string& actor,
                                           const std::string& requestKey, const std::string& channel,
                                           const std::string& responseUrl) {
  RotationRequest rr{a.token, a.expiresInDays, false, a.immediate, a.reveal, actor, requestKey, channel, a.strategy};
  if (auto earlier = engine_.alreadyHandled(requestKey); earlier && *earlier) {
    return alreadyHandledOutput(**earlier);
  }
  auto plan = engine_.plan(rr);
  if (!plan) return failed("Cannot rotate " + a.token, plan.error());
  if (plan->blockedBy) return blocked(*plan);
  SlackProgressSink sink(notifier_, progressChannel(channel), responseUrl);
  auto result = engine_.execute(*plan, rr, sink);
  if (!result) {
    auto out = failed("Rotation of " + plan->target() + " did not start", result.error());
    out.target = plan->target();
    out.tokenId = plan->oldToken.id;
    return out;
  }
  if (result->duplicate) return alreadyHandledOutput(*result);
  CommandOutput out;
  out.target = plan->target();
  out.tokenId = plan->oldToken.id;
  auto message = resultMessage(*plan, *result, actor);
  out.outcome = result->state == storage::RotationState::kCompleted ||
                        result->state == storage::RotationState::kRevokeScheduled
                    ? "ok"
                    : "error";
  out.detail = std::string(storage::rotationStateName(result->state));
  out.messages.push_back(message);
  out.followUp = [this, channel, message] { announce(channel, message); };
  return out;
}

Result<ResolvedToken> TokenOperations::resolve(const std::string& token) {
  auto inventory = gitlab_.inventory();
  if (!inventory) return inventory.error();
  return resolveToken(*inventory, token);
}

CommandOutput TokenOperations::runRevoke(const std::string& token, const std::string& actor,
                                         const std::string& channel) {
  auto resolved = resolve(token);
  if (!resolved) return failed("Cannot revoke " + token, resolved.error());
  CommandOutput out;
  std::string target = targetOf(*resolved);
  out.target = target;
  out.tokenId = resolved->token.id;
  // A token an unfinished rotation owns (the one it replaces or the one it created) is that
  // rotation's to revoke: revoking it here could leave a consumer on a revoked token.
  auto owner = engine_.rotationOwning(resolved->token.id);
  if (!owner || *owner) {
    out.outcome = "refused";
    out.detail = owner ? fmt::format("token {} belongs to unfinished rotation #{}", resolved->token.id,
                                     (*owner)->rotationId)
                       : owner.error().message;
    out.messages.push_back(owner ? pendingRotationMessage(target, **owner)
                                 : errorMessage("Cannot revoke " + target, owner.error()));
    return out;
  }
  if (auto revoked = gitlab_.revokeToken(resolved->account, resolved->token.id); !revoked) {
    out.outcome = "error";
    out.detail = revoked.error().message;
    out.messages.push_back(errorMessage("Could not revoke " + target, revoked.error()));
    return out;
  }
  out.detail = fmt::format("revoked token {}", resolved->token.id);
  auto m = slack::textMessage(fmt::format(":no_entry_sign: Token {} (id {}) revoked by <@{}>.",
                                          slack::codeSpan(target), resolved->token.id, actor),
                              false);
  out.messages.push_back(m);
  out.followUp = [this, channel, m] { announce(channel, m); };
  return out;
}

CommandOutput TokenOperations::askToRevoke(const std::string& token, const std::string& actor,
                                           const std::string& channel) {
  auto resolved = resolve(token);
  if (!resolved) return failed("Cannot revoke " + token, resolved.error());
  auto confirmation = confirmations_.create("revoke", actor, channel, {{"token_id", resolved->token.id}});
  if (!confirmation) return failed("Cannot ask for confirmation", confirmation.error());
  CommandOutput out;
  out.target = targetOf(*resolved);
  out.tokenId = resolved->token.id;
  slack::Message m;
  m.text = fmt::format("Revoke {}?", slack::codeSpan(out.target));
  m.blocks.push_back(slack::section(fmt::format(
      "*Revoke* {} (id {}, expires {})? Everything that uses it stops working at once.",
      slack::codeSpan(out.target), resolved->token.id,
      resolved->token.expiresAt ? formatDate(*resolved->token.expiresAt) : std::string("never"))));
  m.blocks.push_back(slack::actions({slack::button("Revoke", kConfirmAction, confirmation->id, "danger"),
                                     slack::button("Cancel", kCancelAction, confirmation->id)},
                                    "pat_revoke"));
  out.detail = "awaiting confirmation";
  out.messages.push_back(m);
  return out;
}

}  // namespace patbot::handlers
