#include "handlers/rotation_actions.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handlers/rotation_messages.h"
#include "handlers/slack_progress_sink.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

// A click that changed nothing because its confirmation or rotation is gone, used or finished.
CommandOutput ignored(const Error& e) {
  CommandOutput out;
  out.outcome = "ignored";
  out.detail = e.message;
  out.messages.push_back(
      slack::textMessage(":information_source: " + slack::escapeText(e.message) + ". Nothing was changed."));
  return out;
}

bool isStale(const Error& e) {
  return e.kind == ErrorKind::kNotFound || e.kind == ErrorKind::kConflict || e.kind == ErrorKind::kInvalidInput;
}

std::optional<int64_t> positiveId(const std::string& text) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

Result<PreparedAction> needsValue(const ActionRequest& request, const char* what) {
  if (request.value.empty() || request.value.size() > 128) {
    return Error::make(ErrorKind::kInvalidInput, fmt::format("this button carries no {}", what));
  }
  return PreparedAction{};
}

// Marks the first message as the one replacing the message that carried the button.
CommandOutput replacingFirst(CommandOutput out) {
  for (size_t i = 0; i < out.messages.size(); ++i) out.messages[i].replaceOriginal = i == 0;
  return out;
}

}  // namespace

Result<PreparedAction> ConfirmAction::prepare(const ActionRequest& request) {
  auto p = needsValue(request, "confirmation");
  if (!p) return p;
  p->target = "confirmation:" + request.value;
  p->lane = Lane::kLong;   // a confirmed rotation may wait minutes on its verify pipeline
  p->work = [this, request] {
    auto confirmation = ops_.confirmations().consume(request.value, request.actor);
    if (!confirmation) {
      // Second click, expired or unknown: nothing runs.
      auto out = ignored(confirmation.error());
      if (!isStale(confirmation.error())) out.outcome = "failed";
      return out;
    }
    const auto& req = confirmation->request;
    std::string token = std::to_string(req.value("token_id", int64_t{0}));
    if (confirmation->kind == "revoke") {
      return replacingFirst(ops_.runRevoke(token, request.actor, confirmation->channelId));
    }
    RotateArgs a;
    a.token = token;
    if (req.contains("expires_in_days")) a.expiresInDays = req["expires_in_days"].get<int>();
    a.immediate = req.value("immediate", false);
    a.reveal = req.value("reveal", false);
    // The strategy the confirmed plan showed, so the rotation runs as the requester saw it.
    if (req.contains("strategy")) a.strategy = parseStrategy(req.value("strategy", std::string()));
    return replacingFirst(
        ops_.runRotation(a, request.actor, "confirm:" + confirmation->id, confirmation->channelId, request.responseUrl));
  };
  return p;
}

Result<PreparedAction> CancelAction::prepare(const ActionRequest& request) {
  auto p = needsValue(request, "confirmation");
  if (!p) return p;
  p->target = "confirmation:" + request.value;
  p->work = [this, request] {
    auto cancelled = ops_.confirmations().cancel(request.value, request.actor);
    if (!cancelled) return ignored(cancelled.error());
    CommandOutput out;
    out.outcome = "cancelled";
    out.detail = cancelled->kind;
    if (cancelled->request.contains("token_id")) out.tokenId = cancelled->request.value("token_id", int64_t{0});
    auto m = slack::textMessage(fmt::format("Cancelled by <@{}>. Nothing was changed.", request.actor));
    m.replaceOriginal = true;
    out.messages.push_back(m);
    return out;
  };
  return p;
}

std::vector<std::string> DecisionAction::actionIds() {
  std::vector<std::string> ids;
  for (Decision d : {Decision::kRetry, Decision::kRollBack, Decision::kRevokeOld, Decision::kAbandon}) {
    ids.push_back(std::string(kDecisionActionPrefix) + decisionName(d));
  }
  return ids;
}

Result<PreparedAction> DecisionAction::prepare(const ActionRequest& request) {
  std::string name = request.actionId.rfind(kDecisionActionPrefix, 0) == 0
                         ? request.actionId.substr(std::string(kDecisionActionPrefix).size())
                         : std::string();
  auto decision = parseDecision(name);
  auto id = positiveId(request.value);
  if (!decision || !id) return Error::make(ErrorKind::kInvalidInput, "this button names no rotation patbot knows");
  PreparedAction p;
  p.target = fmt::format("rotation:{}", *id);
  p.lane = Lane::kLong;   // Retry may verify again, waiting on a pipeline
  p.work = [this, request, decision = *decision, id = *id] {
    SlackProgressSink sink(ops_.notifier(), ops_.progressChannel(request.channelId), request.responseUrl);
    auto outcome = ops_.engine().decide(id, decision, request.actor, sink);
    if (!outcome) {
      auto out = ignored(outcome.error());
      if (!isStale(outcome.error())) out.outcome = "failed";
      return out;
    }
    CommandOutput out;
    out.target = outcome->plan.target();
    out.tokenId = outcome->plan.oldToken.id;
    auto state = outcome->result.state;
    out.outcome = state == storage::RotationState::kAwaitingDecision ? "failed" : "ok";
    out.detail = fmt::format("{}: rotation #{} {}", decisionName(decision), id, storage::rotationStateName(state));
    auto message = resultMessage(outcome->plan, outcome->result, request.actor);
    message.replaceOriginal = true;
    out.messages.push_back(message);
    out.followUp = [this, channel = request.channelId, message] { ops_.announce(channel, message); };
    return out;
  };
  return p;
}

Result<PreparedAction> DigestRotateAction::prepare(const ActionRequest& request) {
  auto id = positiveId(request.value);
  if (!id) return Error::make(ErrorKind::kInvalidInput, "this button names no token");
  PreparedAction p;
  p.target = request.value;
  p.lane = Lane::kLong;   // the plan reads the inventory and every consumer
  p.work = [this, request] {
    RotateArgs a;
    a.token = request.value;
    auto out = ops_.planOrRun(a, /*confirmed=*/false, request.actor, "digest:" + request.requestId,
                              request.channelId, request.responseUrl);
    for (auto& m : out.messages) m.replaceOriginal = false;   // the digest stays for the other tokens
    return out;
  };
  return p;
}

}  // namespace patbot::handlers
