// RotationEngine: the revoke scheduler and start-up recovery (SPEC §5.3).
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "handlers/consumer_holdings.h"
#include "handlers/rotation_engine.h"
#include "handlers/rotation_run.h"
#include "storage/audit_hash.h"

namespace patbot::handlers {

using storage::RotationState;

namespace {

// Whether the rotation's last journaled step began a roll back: the Roll back decision's claim
// ("decision"/"roll_back") or the roll back itself ("rollback"/"start").
bool rollBackWasRunning(const std::vector<storage::JournalStep>& steps) {
  if (steps.empty()) return false;
  const auto& last = steps.back();
  return (last.step == "rollback" && last.phase == "start") || (last.step == "decision" && last.phase == "roll_back");
}

// The journaled SHA-256 of each consumer's value before the rotation (first seen wins: a later
// delivery never records the new value as a previous one).
std::map<std::string, std::string> previousDigests(const std::vector<storage::JournalStep>& steps) {
  std::map<std::string, std::string> out;
  for (const auto& st : steps) {
    if (!st.detail.is_object() || !st.detail.contains("previous_sha256")) continue;
    for (const auto& [label, digest] : st.detail["previous_sha256"].items()) {
      if (digest.is_string()) out.emplace(label, digest.get<std::string>());
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> RotationEngine::runDueRevokes() {
  std::vector<std::string> lines;
  auto due = journal_.dueRevokes(formatTimestamp(clock_.now()));
  if (!due) {
    spdlog::error("journal: {}", due.error().detail);
    return lines;
  }
  for (const auto& r : *due) {
    gitlab::TokenOwner account = ownerOf(r);
    journaled(journal_.step(r.id, kStepRevoke, "start", RotationState::kRevoking));
    auto revoked = gitlab_.revokeToken(account, r.oldTokenId);
    if (revoked || revoked.error().kind == ErrorKind::kNotFound) {
      journaled(journal_.step(r.id, kStepRevoke, "done", RotationState::kVerified));
      journaled(journal_.finish(r.id, RotationState::kCompleted));
      count(RotationState::kCompleted);
      lines.push_back(fmt::format("{}: old token {} revoked after the grace period (rotation #{})",
                                  tokenTarget(account, r.tokenName), r.oldTokenId, r.id));
    } else {
      journaled(journal_.step(r.id, kStepRevoke, "failed", RotationState::kRevokeScheduled, {{"error", revoked.error().message}}));
      lines.push_back(fmt::format("{}: revoking old token {} failed, will retry: {}", tokenTarget(account, r.tokenName),
                                  r.oldTokenId, revoked.error().message));
    }
  }
  return lines;
}

std::vector<std::string> RotationEngine::recover() {
  std::vector<std::string> lines;
  auto open = journal_.unfinished();
  if (!open) {
    lines.push_back("could not read the rotation journal: " + open.error().message);
    return lines;
  }
  for (const auto& r : *open) {
    size_t before = lines.size();
    recoverOne(r, lines);
    if (lines.size() == before) continue;
    // Audited like every other rotation step, with the state it was left in.
    storage::AuditRecord a;
    a.actor = "patbot";
    a.action = "rotation.recover";
    a.target = tokenTarget(ownerOf(r), r.tokenName);
    auto now = journal_.find(r.id);
    a.outcome = now && *now ? storage::rotationStateName((*now)->state) : "unknown";
    a.detail = {{"rotation", r.id}, {"old_token_id", r.oldTokenId}, {"was", storage::rotationStateName(r.state)},
                {"report", lines.back()}};
    if (r.newTokenId) a.detail["new_token_id"] = *r.newTokenId;
    if (auto appended = audit_.append(a); !appended) spdlog::error("audit append failed: {}", appended.error().detail);
  }
  return lines;
}

void RotationEngine::recoverOne(const storage::RotationRecord& r, std::vector<std::string>& lines) {
  if (planFromRecord(r).strategy == RotationStrategy::kRotate) return recoverRotation(r, lines);
  gitlab::TokenOwner account = ownerOf(r);
  std::string name = fmt::format("{} (rotation #{})", tokenTarget(account, r.tokenName), r.id);
  if (r.immediate && r.newTokenId && (r.state == RotationState::kCreated || r.state == RotationState::kRevoking)) {
    // --immediate, stopped between the create and the first delivery. While the old token is still
    // active nothing depends on the new one: undo. Once it is revoked, the new token is the only
    // valid one, and its value died with the process (values are never stored).
    auto old = gitlab_.getToken(account, r.oldTokenId);
    if (old && !old->revoked) {
      auto rv = gitlab_.revokeToken(account, *r.newTokenId);
      bool ok = rv || rv.error().kind == ErrorKind::kNotFound;
      auto state = ok ? RotationState::kRolledBack : RotationState::kFailed;
      journaled(journal_.finish(r.id, state, "interrupted before the old token was revoked"));
      count(state);
      lines.push_back(fmt::format("{}: an --immediate rotation was interrupted before the old token was revoked; new "
                                  "token {} {}, and the old token {} is still active: rotate it again with --immediate",
                                  name, *r.newTokenId, ok ? "was revoked" : "could not be revoked: revoke it by hand",
                                  r.oldTokenId));
      return;
    }
    if (old && r.state == RotationState::kCreated && !r.newValueSha256.empty()) {
      // A Retry of delivery may have been cut short here: a consumer holding the value gives it back.
      return recoverDelivery(r, lines, /*delivered=*/false);
    }
    std::string why = old ? "the old token is revoked and the new value was never stored"
                          : "the old token's state could not be read (" + old.error().message + ")";
    journaled(journal_.step(r.id, kStepRevoke, "interrupted", RotationState::kAwaitingDecision, {{"error", why}}));
    count(RotationState::kAwaitingDecision);
    lines.push_back(fmt::format("{}: an --immediate rotation was interrupted after creating new token {} ({}), so it "
                                "cannot be delivered. Run `/pat rotate {} --immediate` to replace it with one patbot "
                                "delivers, then close this rotation.",
                                name, *r.newTokenId, why, *r.newTokenId));
    return;
  }
  switch (r.state) {
    case RotationState::kPlanned:
    case RotationState::kCreating:
    case RotationState::kCreated:
    case RotationState::kRollingBack: {
      // The new value never reached a consumer (it is not stored anywhere): revoke whatever was made.
      std::vector<int64_t> orphans;
      if (r.newTokenId) orphans.push_back(*r.newTokenId);
      auto owned = tokensOwnedByOthers(r.id);
      if (auto tokens = gitlab_.listTokens(account)) {
        for (const auto& t : *tokens) {
          if (t.id > r.oldTokenId && t.name == r.tokenName && !t.revoked && !owned.count(t.id) &&
              std::find(orphans.begin(), orphans.end(), t.id) == orphans.end() && t.createdAt &&
              formatTimestamp(*t.createdAt) >= r.createdAt) {
            orphans.push_back(t.id);
          }
        }
      }
      bool ok = true;
      for (auto id : orphans) {
        auto rv = gitlab_.revokeToken(account, id);
        ok = ok && (rv || rv.error().kind == ErrorKind::kNotFound);
      }
      auto state = ok ? RotationState::kRolledBack : RotationState::kFailed;
      journaled(journal_.finish(r.id, state, "interrupted before delivery"));
      count(state);
      lines.push_back(fmt::format("{}: interrupted before delivery; {} new token(s) revoked, old token {} untouched", name,
                                  orphans.size(), r.oldTokenId));
      break;
    }
    case RotationState::kDelivering:
    case RotationState::kDelivered:
    case RotationState::kVerifying:
      recoverDelivery(r, lines, r.state != RotationState::kDelivering);
      break;
    case RotationState::kVerified: {
      if (policy_.rotation.revokeGraceHours > 0) {
        // The grace period still applies: the scheduler revokes when it is over.
        auto when = formatTimestamp(clock_.now() + std::chrono::hours(policy_.rotation.revokeGraceHours));
        journaled(journal_.setRevokeAfter(r.id, when));
        journaled(journal_.step(r.id, kStepRevoke, "scheduled", RotationState::kRevokeScheduled, {{"revoke_after", when}}));
        lines.push_back(fmt::format("{}: finished after restart; old token {} will be revoked at {}", name,
                                    r.oldTokenId, when));
        break;
      }
      [[fallthrough]];
    }
    case RotationState::kRevoking: {
      auto rv = gitlab_.revokeToken(account, r.oldTokenId);
      if (rv || rv.error().kind == ErrorKind::kNotFound) {
        journaled(journal_.finish(r.id, RotationState::kCompleted));
        count(RotationState::kCompleted);
        lines.push_back(fmt::format("{}: finished after restart; old token {} revoked", name, r.oldTokenId));
      } else {
        lines.push_back(fmt::format("{}: could not revoke old token {} after restart: {}", name, r.oldTokenId,
                                    rv.error().message));
      }
      break;
    }
    case RotationState::kRevokeScheduled:
    case RotationState::kAwaitingDecision:
    default:
      break;   // the revoke scheduler and the operator handle these
  }
}


void RotationEngine::recoverDelivery(const storage::RotationRecord& r, std::vector<std::string>& lines, bool delivered) {
  gitlab::TokenOwner account = ownerOf(r);
  std::string name = fmt::format("{} (rotation #{})", tokenTarget(account, r.tokenName), r.id);
  RotationPlan plan = planFromRecord(r);
  auto steps = journal_.steps(r.id);
  const bool rollingBack = !delivered && steps && rollBackWasRunning(*steps);
  auto decideLater = [&](const std::string& step, const std::string& why) {
    journaled(journal_.step(r.id, step, "interrupted", RotationState::kAwaitingDecision, {{"error", why}}));
    count(RotationState::kAwaitingDecision);
    lines.push_back(r.immediate ? fmt::format("{}: new token {} kept (old token {} was already revoked, --immediate) "
                                              "for a decision: {}",
                                              name, r.newTokenId.value_or(0), r.oldTokenId, why)
                                : fmt::format("{}: both tokens kept (old {}, new {}) for a decision: {}", name,
                                              r.oldTokenId, r.newTokenId.value_or(0), why));
  };
  auto undo = [&](const std::string& what) {
    auto rv = r.newTokenId ? gitlab_.revokeToken(account, *r.newTokenId) : okStatus();
    bool ok = rv || rv.error().kind == ErrorKind::kNotFound;
    auto state = ok ? RotationState::kRolledBack : RotationState::kFailed;
    journaled(journal_.finish(r.id, state, what));
    count(state);
    lines.push_back(fmt::format("{}: {}; new token {} {}, old token {} untouched", name, what, r.newTokenId.value_or(0),
                                ok ? "revoked" : "could not be revoked (" + rv.error().message + "): revoke it by hand",
                                r.oldTokenId));
  };

  if (plan.consumers.empty()) {
    // --reveal: whether the requester saw the value cannot be told, and it cannot be shown again.
    if (delivered && !r.immediate) {
      // Shown and journaled: the requester has it. Finish as the runbook would.
    } else if (r.immediate) {
      return decideLater(kStepDeliver, "the new value was never stored and the old token is already revoked "
                                        "(--immediate): rotate the new token again with --reveal");
    } else {
      return undo("interrupted while showing the new value");
    }
  }

  auto holdings = inspectConsumers(gitlab_, plan.consumers, r.newValueSha256);
  if (rollingBack) {
    // A roll back stopped half-way. A consumer still on the new token gets its previous value
    // back when another consumer holds a value with that value's journaled digest (one it had
    // already restored, or one that shared the old token).
    auto previous = previousDigests(*steps);
    std::vector<std::string> stuck;
    for (const auto& c : plan.consumers) {
      std::string label = variableLabel(c);
      if (std::find(holdings.holding.begin(), holdings.holding.end(), label) == holdings.holding.end()) continue;
      auto want = previous.find(label);
      const Secret* found = nullptr;
      for (const auto& [other, value] : holdings.values) {
        if (want != previous.end() && storage::sha256Hex(value.reveal()) == want->second) found = &value;
      }
      if (!found || !gitlab_.updateVariable(c, *found)) stuck.push_back(label);
    }
    if (stuck.empty() && holdings.allKnown()) return undo("a roll back interrupted by a restart was finished");
    return decideLater("rollback", fmt::format("a roll back was interrupted; {} still hold the new token{}, and their "
                                               "previous value is in no consumer any more (values are never stored). "
                                               "Retry finishes the rotation",
                                               stuck.empty() ? std::string("some consumers may")
                                                             : fmt::format("{}", fmt::join(stuck, ", ")),
                                               holdings.unknown.empty() ? "" : fmt::format(" ({})", fmt::join(holdings.unknown, "; "))));
  }
  if (delivered && !holdings.notHolding.empty()) {
    // Every consumer was updated, yet some hold another value now: someone changed them since.
    return decideLater(kStepCheck, fmt::format("{} no longer hold the new token", fmt::join(holdings.notHolding, ", ")));
  }
  if (!delivered && !plan.consumers.empty() && !holdings.value) {
    if (!holdings.allKnown()) {
      return decideLater(kStepDeliver, fmt::format("patbot cannot tell which consumers hold the new token: {}",
                                                   fmt::join(holdings.unknown, "; ")));
    }
    if (r.immediate) {
      return decideLater(kStepDeliver, "no consumer got the new value, it was never stored, and the old token is "
                                       "already revoked (--immediate): rotate the new token again with --immediate");
    }
    return undo("interrupted before any consumer was updated");
  }

  // Roll forward: delivery finishes with the value read back from a consumer holding it;
  // verification runs again in full (with the value when a consumer gave it back, else by id).
  if (holdings.value) secrets_.putNew(r.id, *holdings.value);
  RotationRequest request;
  request.tokenText = std::to_string(r.oldTokenId);
  request.actor = "patbot";
  request.requestKey = fmt::format("recover:{}", r.id);
  request.channelId = r.channelId;
  NullProgressSink sink;
  if (auto fresh = gitlab_.getToken(account, r.oldTokenId)) plan.oldToken = *fresh;
  Run run{plan, request, sink, {fmt::format("Rotating {}", plan.target()), initialSteps(plan)}, Run::keysFor(plan),
          r.id, {}, {}};
  gitlab::CreatedToken created;
  created.token.id = r.newTokenId.value_or(0);
  created.token.name = r.tokenName;
  if (auto t = gitlab_.getToken(account, created.token.id)) created.token = *t;
  if (holdings.value) created.value = std::move(*holdings.value);
  run.created = gitlab::CreatedToken{created.token, std::move(created.value)};
  run.result.rotationId = r.id;
  run.result.newToken = created.token;
  if (delivered) {
    for (const auto& c : plan.consumers) run.result.consumersUpdated.push_back(variableLabel(c));
  }
  continueFrom(run, delivered ? Stage::kVerify : Stage::kDeliver);
  lines.push_back(fmt::format("{}: {} after restart ({}): {}", name,
                              delivered ? "verification finished" : "delivery finished",
                              storage::rotationStateName(run.result.state), run.result.summary));
}

}  // namespace patbot::handlers
