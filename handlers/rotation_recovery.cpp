// RotationEngine: the revoke scheduler and start-up recovery (SPEC §5.3).
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handlers/rotation_engine.h"
#include "handlers/rotation_run.h"

namespace patbot::handlers {

using storage::RotationState;

std::vector<std::string> RotationEngine::runDueRevokes() {
  std::vector<std::string> lines;
  auto due = journal_.dueRevokes(formatTimestamp(clock_.now()));
  if (!due) {
    spdlog::error("journal: {}", due.error().detail);
    return lines;
  }
  for (const auto& r : *due) {
    gitlab::ServiceAccount account{r.accountId, r.account, ""};
    journaled(journal_.step(r.id, kStepRevoke, "start", RotationState::kRevoking));
    auto revoked = gitlab_.revokeToken(account, r.oldTokenId);
    if (revoked || revoked.error().kind == ErrorKind::kNotFound) {
      journaled(journal_.step(r.id, kStepRevoke, "done", RotationState::kVerified));
      journaled(journal_.finish(r.id, RotationState::kCompleted));
      count(RotationState::kCompleted);
      lines.push_back(fmt::format("{}/{}: old token {} revoked after the grace period (rotation #{})", r.account,
                                  r.tokenName, r.oldTokenId, r.id));
    } else {
      journaled(journal_.step(r.id, kStepRevoke, "failed", RotationState::kRevokeScheduled, {{"error", revoked.error().message}}));
      lines.push_back(fmt::format("{}/{}: revoking old token {} failed, will retry: {}", r.account, r.tokenName,
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
    a.target = r.account + "/" + r.tokenName;
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
  gitlab::ServiceAccount account{r.accountId, r.account, ""};
  std::string name = fmt::format("{}/{} (rotation #{})", r.account, r.tokenName, r.id);
  if (r.immediate && (r.state == RotationState::kCreated || r.state == RotationState::kRevoking)) {
    // --immediate: the leaked old token is (being) revoked and the new value died with the process.
    journaled(journal_.step(r.id, kStepRevoke, "interrupted", RotationState::kAwaitingDecision));
    lines.push_back(fmt::format("{}: an --immediate rotation was interrupted after creating new token {}; its value "
                                "was never stored, so it cannot be delivered. Run `/pat rotate {} --immediate` to "
                                "replace it with one patbot delivers, then close this rotation.",
                                name, r.newTokenId.value_or(0), r.newTokenId.value_or(0)));
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
      if (auto tokens = gitlab_.listTokens(account)) {
        for (const auto& t : *tokens) {
          if (t.id > r.oldTokenId && t.name == r.tokenName && !t.revoked &&
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
      // Some consumers may hold the new value, which is gone: only a person can sort this out.
      journaled(journal_.step(r.id, kStepDeliver, "interrupted", RotationState::kAwaitingDecision));
      count(RotationState::kAwaitingDecision);
      lines.push_back(fmt::format("{}: interrupted while updating consumers; both tokens kept (old {}, new {}). "
                                  "Check which consumers hold which token, then revoke the one nobody uses.",
                                  name, r.oldTokenId, r.newTokenId.value_or(0)));
      break;
    case RotationState::kDelivered:
    case RotationState::kVerifying: {
      // Delivered: confirm the new token is active, then finish the runbook.
      auto fresh = r.newTokenId ? gitlab_.getToken(account, *r.newTokenId)
                                : Result<gitlab::AccessToken>(Error::make(ErrorKind::kNotFound, "no new token id"));
      if (!fresh || !fresh->active) {
        journaled(journal_.step(r.id, kStepCheck, "failed", RotationState::kAwaitingDecision,
                                {{"error", fresh ? "the new token is not active" : fresh.error().message}}));
        count(RotationState::kAwaitingDecision);
        lines.push_back(fmt::format("{}: delivered but the new token is not active; both kept for a decision", name));
        break;
      }
      journaled(journal_.step(r.id, kStepCheck, "done", RotationState::kVerified, {{"after_restart", true}}));
      [[fallthrough]];
    }
    case RotationState::kVerified: {
      if (config_.rotation.revokeGraceHours > 0) {
        // The grace period still applies: the scheduler revokes when it is over.
        auto when = formatTimestamp(clock_.now() + std::chrono::hours(config_.rotation.revokeGraceHours));
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

}  // namespace patbot::handlers
