#include "handlers/pat_rotate_handler.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handlers/rotation_messages.h"
#include "handlers/slack_progress_sink.h"
#include "handlers/token_resolver.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

slack::Message errorMessage(const std::string& what, const Error& e) {
  return slack::textMessage(fmt::format(":x: {}: {}", what, e.message));
}

// The answer to a request the journal shows was already handled (same request key).
CommandOutput alreadyHandledOutput(const RotationResult& earlier) {
  CommandOutput out;
  out.detail = earlier.summary;
  out.messages.push_back(slack::textMessage(":information_source: " + earlier.summary));
  return out;
}

}  // namespace

Result<RotateArgs> parseRotateArgs(const std::vector<std::string>& args) {
  RotateArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--dry-run") out.dryRun = true;
    else if (a == "--immediate") out.immediate = true;
    else if (a == "--yes") out.yes = true;
    else if (a == "--reveal") out.reveal = true;
    else if (a == "--expires-in") {
      if (i + 1 >= args.size()) return Error::make(ErrorKind::kInvalidInput, "--expires-in needs a number of days");
      const auto& v = args[++i];
      int days = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), days);
      if (ec != std::errc() || ptr != v.data() + v.size() || days < 1 || days > 365) {
        return Error::make(ErrorKind::kInvalidInput, fmt::format("--expires-in takes 1 to 365 days, not \"{}\"", v));
      }
      out.expiresInDays = days;
    } else if (a.rfind("--", 0) == 0) {
      return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    } else if (!out.token.empty()) {
      return Error::make(ErrorKind::kInvalidInput,
                         fmt::format("one TOKEN please, got \"{}\" and \"{}\" (quote a name with spaces)", out.token, a));
    } else {
      out.token = a;
    }
  }
  if (out.token.empty()) return Error::make(ErrorKind::kInvalidInput, "which token? Give a token id or ACCOUNT/NAME");
  return out;
}

PatRotateHandler::PatRotateHandler(RotationEngine& engine, gitlab::GitLabApi& gitlab,
                                   storage::ConfirmationStore& confirmations, slack::Notifier& notifier,
                                   std::function<bool(const std::string&)> isOperator, std::string notifyChannel,
                                   Announcer announcer)
    : engine_(engine), gitlab_(gitlab), confirmations_(confirmations), notifier_(notifier),
      isOperator_(std::move(isOperator)), notifyChannel_(std::move(notifyChannel)), announcer_(std::move(announcer)) {}

Result<Prepared> PatRotateHandler::prepare(const CommandRequest& request) {
  auto args = parseRotateArgs(request.args);
  if (!args) return args.error();
  Prepared p;
  p.target = args->token;
  p.lane = Lane::kLong;   // with --yes the rotation itself runs here and may wait on a pipeline
  p.ack = slack::textMessage(args->dryRun ? ":mag: Checking the rotation plan (dry run)…"
                                          : ":hourglass_flowing_sand: Preparing the rotation plan…");
  std::string key = request.triggerId.empty() ? request.requestId : "trigger:" + request.triggerId;
  p.work = [this, a = *args, actor = request.actor, key, channel = request.channelId, url = request.responseUrl] {
    return planOrRun(a, actor, key, channel, url);
  };
  return p;
}

CommandOutput PatRotateHandler::planOrRun(const RotateArgs& a, const std::string& actor, const std::string& key,
                                          const std::string& channel, const std::string& responseUrl) {
  if (!a.dryRun && a.yes) return runRotation(a, actor, key, channel, responseUrl);
  RotationRequest rr{a.token, a.expiresInDays, a.dryRun, a.immediate, a.reveal, actor, key, channel};
  auto plan = engine_.plan(rr);
  CommandOutput out;
  if (!plan) {
    out.outcome = "error";
    out.detail = plan.error().message;
    out.messages.push_back(errorMessage("Cannot rotate " + a.token, plan.error()));
    return out;
  }
  if (plan->blockedBy && !a.dryRun) return blocked(*plan);
  if (a.dryRun) {
    out.detail = "dry run";
    out.messages.push_back(planMessage(*plan, "", true));
    if (plan->blockedBy) out.messages.push_back(pendingRotationMessage(plan->target(), *plan->blockedBy));
    return out;
  }
  nlohmann::json req = {{"token_id", plan->oldToken.id}, {"immediate", a.immediate}, {"reveal", a.reveal}};
  if (a.expiresInDays) req["expires_in_days"] = *a.expiresInDays;
  auto confirmation = confirmations_.create("rotate", actor, channel, req);
  if (!confirmation) {
    out.outcome = "error";
    out.messages.push_back(errorMessage("Cannot ask for confirmation", confirmation.error()));
    return out;
  }
  out.detail = "awaiting confirmation";
  out.messages.push_back(planMessage(*plan, confirmation->id, false));
  return out;
}

CommandOutput PatRotateHandler::blocked(const RotationPlan& plan) {
  CommandOutput out;
  out.outcome = "refused";
  out.detail = fmt::format("rotation #{} of this token is {}", plan.blockedBy->rotationId,
                           storage::rotationStateName(plan.blockedBy->state));
  out.messages.push_back(pendingRotationMessage(plan.target(), *plan.blockedBy));
  return out;
}

void PatRotateHandler::announce(const std::string& channel, const slack::Message& message) {
  std::string where = notifyChannel_.empty() ? channel : notifyChannel_;
  if (where.empty()) return;
  if (announcer_) return announcer_(where, message);
  if (auto posted = notifier_.post(where, message); !posted) {
    spdlog::info("announcement not posted: {}", posted.error().message);
  }
}

CommandOutput PatRotateHandler::runRotation(const RotateArgs& a, const std::string& actor, const std::string& requestKey,
                                            const std::string& channel, const std::string& responseUrl) {
  CommandOutput out;
  RotationRequest rr{a.token, a.expiresInDays, false, a.immediate, a.reveal, actor, requestKey, channel};
  if (auto earlier = engine_.alreadyHandled(requestKey); earlier && *earlier) {
    return alreadyHandledOutput(**earlier);
  }
  auto plan = engine_.plan(rr);
  if (!plan) {
    out.outcome = "error";
    out.detail = plan.error().message;
    out.messages.push_back(errorMessage("Cannot rotate " + a.token, plan.error()));
    return out;
  }
  if (plan->blockedBy) return blocked(*plan);
  SlackProgressSink sink(notifier_, notifyChannel_.empty() ? channel : notifyChannel_, responseUrl);
  auto result = engine_.execute(*plan, rr, sink);
  if (!result) {
    out.outcome = "error";
    out.detail = result.error().message;
    out.messages.push_back(errorMessage("Rotation of " + plan->target() + " did not start", result.error()));
    return out;
  }
  if (result->duplicate) return alreadyHandledOutput(*result);
  auto message = resultMessage(*plan, *result, actor);
  out.outcome = result->state == storage::RotationState::kCompleted || result->state == storage::RotationState::kRevokeScheduled
                    ? "ok"
                    : "error";
  out.detail = std::string(storage::rotationStateName(result->state));
  out.messages.push_back(message);
  announce(channel, message);
  return out;
}

Result<ResolvedToken> PatRotateHandler::resolve(const std::string& token) {
  auto inventory = gitlab_.inventory();
  if (!inventory) return inventory.error();
  return resolveToken(*inventory, token);
}

CommandOutput PatRotateHandler::runRevoke(const std::string& token, const std::string& actor, const std::string& channel) {
  CommandOutput out;
  auto resolved = resolve(token);
  if (!resolved) {
    out.outcome = "error";
    out.messages.push_back(errorMessage("Cannot revoke " + token, resolved.error()));
    return out;
  }
  std::string target = resolved->account.username + "/" + resolved->token.name;
  // A token an unfinished rotation owns (the one it replaces or the one it created) is that
  // rotation's to revoke: revoking it here could leave a consumer on a revoked token.
  auto owner = engine_.rotationOwning(resolved->token.id);
  if (!owner || *owner) {
    out.outcome = "refused";
    out.detail = owner ? fmt::format("token {} belongs to unfinished rotation #{}", resolved->token.id, (*owner)->rotationId)
                       : owner.error().message;
    out.messages.push_back(owner ? pendingRotationMessage(target, **owner)
                                 : errorMessage("Cannot revoke " + target, owner.error()));
    return out;
  }
  auto revoked = gitlab_.revokeToken(resolved->account, resolved->token.id);
  if (!revoked) {
    out.outcome = "error";
    out.detail = revoked.error().message;
    out.messages.push_back(errorMessage("Could not revoke " + target, revoked.error()));
    return out;
  }
  out.detail = fmt::format("revoked token {}", resolved->token.id);
  auto m = slack::textMessage(fmt::format(":no_entry_sign: Token `{}` (id {}) revoked by <@{}>.",
                                          slack::escapeMrkdwn(target), resolved->token.id, actor), false);
  out.messages.push_back(m);
  announce(channel, m);
  return out;
}

void PatRotateHandler::answer(const ClickContext& click, slack::Message m, bool replaceOriginal) {
  m.replaceOriginal = replaceOriginal;
  if (auto s = notifier_.respond(click.responseUrl, m); !s) spdlog::warn("could not answer the click: {}", s.error().message);
}

void PatRotateHandler::onDecision(const ClickContext& click) {
  auto decision = parseDecision(click.actionId.substr(std::string(kDecisionActionPrefix).size()));
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(click.value.data(), click.value.data() + click.value.size(), id);
  if (!decision || ec != std::errc() || ptr != click.value.data() + click.value.size() || id <= 0) {
    spdlog::warn("decision click with an unknown action {} or rotation \"{}\"", click.actionId, click.value);
    answer(click, slack::textMessage(":information_source: patbot does not know this button; nothing was changed."), false);
    return;
  }
  if (!isOperator_(click.userId)) {
    answer(click, slack::textMessage(fmt::format(
        ":no_entry: Only operators can decide what happens to a rotation; <@{}> is not one. Nothing was changed.",
        click.userId)), false);
    return;
  }
  std::string channel = notifyChannel_.empty() ? click.channelId : notifyChannel_;
  SlackProgressSink sink(notifier_, channel, click.responseUrl);
  auto outcome = engine_.decide(id, *decision, click.userId, sink);
  if (!outcome) {
    answer(click, slack::textMessage(":information_source: " + outcome.error().message + ". Nothing was changed."), false);
    return;
  }
  auto message = resultMessage(outcome->plan, outcome->result, click.userId);
  answer(click, message, true);
  announce(click.channelId, message);
}

void PatRotateHandler::onDigestRotate(const ClickContext& click) {
  if (!isOperator_(click.userId)) {
    answer(click, slack::textMessage(fmt::format(
        ":no_entry: Only operators can rotate tokens; <@{}> is not one. Nothing was changed.", click.userId)), false);
    return;
  }
  RotateArgs a;
  a.token = click.value;
  auto out = planOrRun(a, click.userId, "digest:" + click.requestId, click.channelId, click.responseUrl);
  for (const auto& m : out.messages) answer(click, m, false);
}

void PatRotateHandler::onClick(const ClickContext& click) {
  if (click.actionId.rfind(kDecisionActionPrefix, 0) == 0) return onDecision(click);
  if (click.actionId == kDigestRotateAction) return onDigestRotate(click);
  auto reply = [&](const slack::Message& m) {
    slack::Message r = m;
    r.replaceOriginal = true;
    if (auto s = notifier_.respond(click.responseUrl, r); !s) spdlog::warn("could not answer the click: {}", s.error().message);
  };
  if (click.actionId == kCancelAction) {
    auto cancelled = confirmations_.cancel(click.value, click.userId);
    reply(slack::textMessage(cancelled ? fmt::format("Cancelled by <@{}>. Nothing was changed.", click.userId)
                                       : ":information_source: " + cancelled.error().message));
    return;
  }
  if (!isOperator_(click.userId)) {
    reply(slack::textMessage(fmt::format(
        ":no_entry: Only operators can confirm a rotation; <@{}> is not one. Nothing was changed.", click.userId)));
    return;
  }
  auto confirmation = confirmations_.consume(click.value, click.userId);
  if (!confirmation) {
    // Second click, expired or unknown: nothing runs.
    auto m = slack::textMessage(":information_source: " + confirmation.error().message + ". Nothing was changed.");
    m.replaceOriginal = false;
    if (auto s = notifier_.respond(click.responseUrl, m); !s) spdlog::warn("could not answer the click: {}", s.error().message);
    return;
  }
  const auto& req = confirmation->request;
  CommandOutput out;
  if (confirmation->kind == "revoke") {
    out = runRevoke(std::to_string(req.value("token_id", int64_t{0})), click.userId, confirmation->channelId);
  } else {
    RotateArgs a;
    a.token = std::to_string(req.value("token_id", int64_t{0}));
    if (req.contains("expires_in_days")) a.expiresInDays = req["expires_in_days"].get<int>();
    a.immediate = req.value("immediate", false);
    a.reveal = req.value("reveal", false);
    a.yes = true;
    out = runRotation(a, click.userId, "confirm:" + confirmation->id, confirmation->channelId, click.responseUrl);
  }
  for (size_t i = 0; i < out.messages.size(); ++i) {
    auto m = out.messages[i];
    if (i == 0) {
      reply(m);
    } else if (auto s = notifier_.respond(click.responseUrl, m); !s) {
      spdlog::warn("could not answer the click: {}", s.error().message);
    }
  }
}

bool PatRotateHandler::handles(const std::string& actionId) {
  return actionId == kConfirmAction || actionId == kCancelAction || actionId == kDigestRotateAction ||
         actionId.rfind(kDecisionActionPrefix, 0) == 0;
}

Result<Prepared> PatRotateHandler::Revoke::prepare(const CommandRequest& request) {
  bool yes = false;
  std::string token;
  for (const auto& a : request.args) {
    if (a == "--yes") yes = true;
    else if (a.rfind("--", 0) == 0) return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    else if (!token.empty()) return Error::make(ErrorKind::kInvalidInput, "one TOKEN please (quote a name with spaces)");
    else token = a;
  }
  if (token.empty()) return Error::make(ErrorKind::kInvalidInput, "which token? Give a token id or ACCOUNT/NAME");
  Prepared p;
  p.target = token;
  p.ack = slack::textMessage(":hourglass_flowing_sand: Looking up the token…");
  p.work = [this, token, yes, actor = request.actor, channel = request.channelId] {
    if (yes) return owner_.runRevoke(token, actor, channel);
    CommandOutput out;
    auto resolved = owner_.resolve(token);
    if (!resolved) {
      out.outcome = "error";
      out.messages.push_back(errorMessage("Cannot revoke " + token, resolved.error()));
      return out;
    }
    auto confirmation = owner_.confirmations_.create("revoke", actor, channel, {{"token_id", resolved->token.id}});
    if (!confirmation) {
      out.outcome = "error";
      out.messages.push_back(errorMessage("Cannot ask for confirmation", confirmation.error()));
      return out;
    }
    slack::Message m;
    m.text = fmt::format("Revoke {}/{}?", resolved->account.username, resolved->token.name);
    m.blocks.push_back(slack::section(fmt::format(
        "*Revoke* `{}/{}` (id {}, expires {})? Everything that uses it stops working at once.",
        slack::escapeMrkdwn(resolved->account.username), slack::escapeMrkdwn(resolved->token.name), resolved->token.id,
        resolved->token.expiresAt ? formatDate(*resolved->token.expiresAt) : std::string("never"))));
    m.blocks.push_back(slack::actions({slack::button("Revoke", kConfirmAction, confirmation->id, "danger"),
                                       slack::button("Cancel", kCancelAction, confirmation->id)},
                                      "pat_revoke"));
    out.detail = "awaiting confirmation";
    out.messages.push_back(m);
    return out;
  };
  return p;
}

}  // namespace patbot::handlers
