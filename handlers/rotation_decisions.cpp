// RotationEngine: what an operator may do with a rotation stopped in kAwaitingDecision (SPEC §5.5:
// Retry / Roll back / Revoke old anyway), and how a pending rotation is described to whoever
// asks for another rotation of the same token (SPEC §5.4).
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "handlers/consumer_holdings.h"
#include "handlers/rotation_engine.h"
#include "handlers/rotation_run.h"

namespace patbot::handlers {

using storage::RotationState;

namespace {

struct StopPoint {
  std::string step;                   // kStepDeliver, kStepCheck, kStepPipeline, kStepRevoke, "rollback"
  std::string error;
  std::optional<std::vector<std::string>> updated;   // consumers known to hold the new value
};

// The last step that failed or was interrupted.
StopPoint stopPointOf(const std::vector<storage::JournalStep>& steps) {
  StopPoint stop;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (it->phase != "failed" && it->phase != "interrupted") continue;
    stop.step = it->step;
    stop.error = it->detail.value("error", it->phase == "interrupted" ? std::string("patbot stopped during this step")
                                                                       : std::string("failed"));
    if (it->phase == "failed" && it->detail.contains("updated") && it->detail["updated"].is_array()) {
      stop.updated = it->detail["updated"].get<std::vector<std::string>>();
    }
    break;
  }
  return stop;
}

std::string refusal(Decision d, const std::string& target, const StopPoint& stop) {
  switch (d) {
    case Decision::kRetry:
      return fmt::format("cannot retry {}: the new token's value is no longer known to patbot (it restarted since, "
                         "values are never stored, and no consumer holds it), so the consumers cannot be updated again",
                         target);
    case Decision::kRollBack:
      return fmt::format("cannot roll back {}: patbot does not know the previous value of every updated consumer "
                         "(a hidden variable, or patbot restarted since; values are never stored). Put the old value "
                         "back by hand, close this rotation (Close, keep both), then revoke the new token with "
                         "/pat revoke",
                         target);
    case Decision::kAbandon:
      return "cannot close it";
    case Decision::kRevokeOld:
      return fmt::format("cannot revoke the old token of {} now: it stopped at \"{}\" ({}), and revoking it would "
                         "leave a consumer on a revoked token",
                         target, stop.step, stop.error);
  }
  return "not possible";
}

}  // namespace

std::vector<Decision> RotationEngine::decisionsFor(int64_t id, const std::string& stoppedStep, bool immediate,
                                                   const std::vector<std::string>& updated) const {
  bool haveNew = secrets_.newValue(id).has_value();
  bool previousKnown = std::all_of(updated.begin(), updated.end(),
                                   [&](const std::string& c) { return secrets_.previous(id, c).has_value(); });
  std::vector<Decision> out;
  if (immediate) {
    // The old token is (being) revoked: there is nothing to roll back to once anything was delivered.
    if (stoppedStep == kStepRevoke) {
      // Nothing was delivered: Retry revokes the old token again and delivers; Roll back drops the new one.
      if (haveNew) out = {Decision::kRetry, Decision::kRollBack};
    } else if (stoppedStep == kStepCheck || stoppedStep == kStepPipeline || haveNew) {
      out.push_back(Decision::kRetry);
    }
    out.push_back(Decision::kAbandon);
    return out;
  }
  if (stoppedStep == kStepCheck || stoppedStep == kStepPipeline) {
    out.push_back(Decision::kRetry);
    if (previousKnown) out.push_back(Decision::kRollBack);
    out.push_back(Decision::kRevokeOld);
  } else if (stoppedStep == kStepRevoke) {
    out.push_back(Decision::kRetry);
  } else {   // deliver or rollback: consumers may be split between the two tokens
    if (haveNew) out.push_back(Decision::kRetry);
    if (previousKnown) out.push_back(Decision::kRollBack);
  }
  out.push_back(Decision::kAbandon);
  return out;
}

std::optional<PendingRotation> RotationEngine::pendingFor(const storage::RotationRecord& r) {
  PendingRotation p;
  p.rotationId = r.id;
  p.state = r.state;
  p.actor = r.actor;
  p.startedAt = r.createdAt;
  if (r.state != RotationState::kAwaitingDecision) return p;
  auto steps = journal_.steps(r.id);
  if (!steps) return p;
  auto stop = stopPointOf(*steps);
  p.stoppedAt = fmt::format("{}: {}", stop.step, stop.error);
  std::vector<std::string> all = r.plan.value("consumers", std::vector<std::string>{});
  std::vector<std::string> updated = (stop.step == kStepDeliver || stop.step == "rollback") ? stop.updated.value_or(all) : all;
  p.decisions = decisionsFor(r.id, stop.step, r.immediate, updated);
  return p;
}

Result<DecisionOutcome> RotationEngine::decide(int64_t rotationId, Decision decision, const std::string& actor,
                                               ProgressSink& sink) {
  auto found = journal_.find(rotationId);
  if (!found) return found.error();
  if (!*found) return Error::make(ErrorKind::kNotFound, fmt::format("there is no rotation #{}", rotationId));
  const storage::RotationRecord record = **found;
  std::string target = tokenTarget(ownerOf(record), record.tokenName);
  if (record.state != RotationState::kAwaitingDecision) {
    return Error::make(ErrorKind::kConflict, fmt::format("rotation #{} of {} is {}, so there is nothing to decide",
                                                         rotationId, target, storage::rotationStateName(record.state)));
  }
  auto steps = journal_.steps(rotationId);
  if (!steps) return steps.error();
  auto stop = stopPointOf(*steps);
  if (!secrets_.newValue(rotationId) && !record.newValueSha256.empty()) {
    // After a restart the value is gone from memory; a consumer holding it gives it back.
    auto holdings = inspectConsumers(gitlab_, planFromRecord(record).consumers, record.newValueSha256);
    if (holdings.value) secrets_.putNew(rotationId, *holdings.value);
  }
  auto pending = pendingFor(record);
  if (!pending || std::find(pending->decisions.begin(), pending->decisions.end(), decision) == pending->decisions.end()) {
    return Error::make(ErrorKind::kInvalidInput, refusal(decision, target, stop));
  }

  DecisionOutcome outcome{planFromRecord(record), {}};
  RotationPlan& plan = outcome.plan;

  // Claim the rotation: of two clicks racing, one moves it out of kAwaitingDecision. Journaled
  // before any GitLab call, so a crash from here on is recovered as the decision asked (a
  // "decision"/"roll_back" step counts as an interrupted roll back).
  RotationState claimed = RotationState::kVerified;
  if (decision == Decision::kRollBack || stop.step == kStepDeliver || stop.step == "rollback") claimed = RotationState::kDelivering;
  if (decision == Decision::kRetry && (stop.step == kStepCheck || stop.step == kStepPipeline)) claimed = RotationState::kDelivered;
  if (plan.immediate) claimed = RotationState::kCreated;
  auto moved = journal_.transition(rotationId, RotationState::kAwaitingDecision, "decision", decisionName(decision), claimed,
                                   {{"actor", actor}});
  if (!moved) return moved.error();
  if (!*moved) {
    return Error::make(ErrorKind::kConflict,
                       fmt::format("rotation #{} of {} is already being handled by another click", rotationId, target));
  }
  if (auto fresh = gitlab_.getToken(plan.account, plan.oldToken.id)) plan.oldToken = *fresh;

  RotationRequest request;
  request.tokenText = std::to_string(plan.oldToken.id);
  request.actor = actor;
  request.requestKey = fmt::format("decision:{}:{}", rotationId, decisionName(decision));
  request.channelId = record.channelId;
  Run run{plan, request, sink, {fmt::format("Rotating {}", plan.target()), initialSteps(plan)}, Run::keysFor(plan),
          rotationId, {}, {}};
  gitlab::CreatedToken created;
  created.token.id = record.newTokenId.value_or(0);
  created.token.name = record.tokenName;
  if (auto t = gitlab_.getToken(plan.account, created.token.id)) created.token = *t;
  if (auto v = secrets_.newValue(rotationId)) created.value = std::move(*v);
  run.created = gitlab::CreatedToken{created.token, std::move(created.value)};
  run.result.rotationId = rotationId;
  run.result.newToken = created.token;
  for (const auto& c : plan.consumers) run.result.consumersUpdated.push_back(variableLabel(c));
  run.mark(kStepCreate, StepState::kDone, fmt::format("id {}", created.token.id));
  audit(run, "decision", decisionName(decision), {{"stopped_at", stop.step}});

  switch (decision) {
    case Decision::kAbandon: {
      std::string why = fmt::format("closed by {} without finishing: old token {} and new token {} both left as "
                                    "they are (stopped at {}: {})",
                                    actor, plan.oldToken.id, created.token.id, stop.step, stop.error);
      journaled(journal_.finish(rotationId, RotationState::kFailed, why));
      run.result.state = RotationState::kFailed;
      run.result.summary = plan.target() + ": " + why;
      count(run.result.state);
      secrets_.forget(rotationId);
      break;
    }
    case Decision::kRevokeOld:
      run.mark(kStepDeliver, StepState::kDone);
      run.mark(kStepCheck, StepState::kSkipped, "skipped: " + actor + " chose to revoke the old token anyway");
      continueFrom(run, Stage::kRevoke);
      break;
    case Decision::kRetry:
      if (plan.immediate && stop.step == kStepRevoke) {
        if (revokeOld(run, false)) continueFrom(run, Stage::kDeliver);
        else count(run.result.state);
      } else if (stop.step == kStepRevoke) {
        run.mark(kStepDeliver, StepState::kDone);
        run.mark(kStepCheck, StepState::kDone);
        continueFrom(run, Stage::kRevoke);
      } else if (stop.step == kStepCheck || stop.step == kStepPipeline) {
        run.mark(kStepDeliver, StepState::kDone);
        continueFrom(run, Stage::kVerify);
      } else {
        continueFrom(run, Stage::kDeliver);
      }
      break;
    case Decision::kRollBack: {
      std::vector<std::string> restored;
      std::vector<std::string> updated = run.result.consumersUpdated;
      if (stop.updated && (stop.step == kStepDeliver || stop.step == "rollback")) updated = *stop.updated;
      if (plan.immediate) updated.clear();
      journaled(journal_.step(rotationId, "rollback", "start", RotationState::kDelivering, {{"consumers", updated}}));
      for (const auto& c : plan.consumers) {
        std::string label = variableLabel(c);
        if (std::find(updated.begin(), updated.end(), label) == updated.end()) continue;
        auto previous = secrets_.previous(rotationId, label);
        auto put = previous ? gitlab_.updateVariable(c, *previous)
                            : Status(Error::make(ErrorKind::kInvalidInput, "previous value unknown"));
        if (!put) {
          std::string why = fmt::format("{}: {}", label, put.error().message);
          std::vector<std::string> stillNew;
          for (const auto& u : updated) {
            if (std::find(restored.begin(), restored.end(), u) == restored.end()) stillNew.push_back(u);
          }
          run.result.consumersUpdated = stillNew;
          stopForDecision(run, "rollback", {{"error", why}, {"updated", stillNew}, {"restored", restored}});
          run.result.summary = fmt::format("{}: could not put the previous value back into {}. Both tokens are kept.",
                                           plan.target(), why);
          audit(run, "rollback", "error", {{"error", why}, {"restored", restored}});
          count(run.result.state);
          outcome.result = run.result;
          return outcome;
        }
        restored.push_back(label);
      }
      run.result.consumersUpdated.clear();
      rollBackNewToken(run, fmt::format("rolled back by {}", actor));
      run.result.summary = run.result.state == RotationState::kRolledBack
                               ? fmt::format("{}: rolled back by {}: {} restored, new token {} revoked; the old token "
                                             "{} is in use again.",
                                             plan.target(), actor, restored.empty() ? std::string("no consumer") : fmt::format("{}", fmt::join(restored, ", ")),
                                             created.token.id, plan.oldToken.id)
                               : fmt::format("{}: consumers restored, but revoking new token {} failed.", plan.target(),
                                             created.token.id);
      count(run.result.state);
      secrets_.forget(rotationId);
      break;
    }
  }
  outcome.result = run.result;
  return outcome;
}

}  // namespace patbot::handlers
