// RotationEngine: strategy rotate (issue 16). GitLab's rotate endpoint replaces a token in one call
// and the old value dies with it, so the value in its answer is the only way forward. An answer
// that never arrives is not retried blindly (reuse detection, reference/gitlab-api.md §2.4): the
// engine looks at the old token, finds its successor, and rotates that once more with patbot's
// own token — at most one extra rotate per request, journaled before it runs. A second loss stops
// for a person.
#include <algorithm>

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

// No answer, a 5xx or an unreadable one: the rotate may have happened.
bool outcomeUnknown(const Error& e) {
  return e.kind == ErrorKind::kTimeout || e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kProtocol;
}

// The tokens GitLab's rotate of `rotated` may have made: same name and user, newer id, not
// revoked, not owned by another unfinished rotation, created at or after `since` (RFC 3339).
std::vector<gitlab::AccessToken> successorsOf(const std::vector<gitlab::AccessToken>& tokens,
                                              const gitlab::AccessToken& rotated, const std::set<int64_t>& owned,
                                              const std::string& since) {
  std::vector<gitlab::AccessToken> out;
  for (const auto& t : tokens) {
    if (t.id <= rotated.id || t.name != rotated.name || t.revoked || owned.count(t.id)) continue;
    if (rotated.userId != 0 && t.userId != rotated.userId) continue;
    if (!since.empty() && t.createdAt && formatTimestamp(*t.createdAt) < since) continue;
    out.push_back(t);
  }
  return out;
}

}  // namespace

bool RotationEngine::rotateOldToken(Run& run) {
  const RotationPlan& plan = run.plan;
  auto fail = [&](const std::string& why, const std::string& summary, const nlohmann::json& detail) {
    journaled(journal_.step(run.id, kStepCreate, "failed", RotationState::kFailed, {{"error", why}}));
    journaled(journal_.finish(run.id, RotationState::kFailed, why));
    run.mark(kStepCreate, StepState::kFailed, why);
    run.result.state = RotationState::kFailed;
    run.result.summary = summary;
    audit(run, "create", "error", detail);
    return false;
  };
  // Journaled before it runs (SPEC §5.3), or not run at all.
  if (auto s = journal_.step(run.id, kStepCreate, "start", RotationState::kCreating, {{"rotate_of", plan.oldToken.id}});
      !s) {
    journaled(s);
    std::string why = "the rotation journal cannot be written (" + s.error().message + ")";
    return fail(why, fmt::format("{}: {}. Nothing was changed.", plan.target(), why), {{"error", why}});
  }
  run.mark(kStepCreate, StepState::kRunning);
  Date expires = plan.newSpec.expiresAt;
  auto rotated = gitlab_.rotateToken(plan.account, plan.oldToken.id, expires);
  // A refused expiry (400: GitLab rolled the rotate back) is retried with the latest date it accepts.
  for (int retry = 0; retry < 2 && !rotated; ++retry) {
    auto shorter = gitlab::latestAcceptedExpiry(rotated.error(), utcDay(clock_.now()), expires);
    if (!shorter) break;
    expires = *shorter;
    rotated = gitlab_.rotateToken(plan.account, plan.oldToken.id, expires);
  }
  if (rotated) {
    acceptNewToken(run, std::move(*rotated), kStepCreate);
    return true;
  }
  const Error e = rotated.error();
  if (!outcomeUnknown(e)) {
    return fail(e.message, fmt::format("{}: GitLab refused to rotate it: {}. Nothing was changed.", plan.target(), e.message),
                {{"error", e.message}});
  }
  // The answer was lost. Whether GitLab rotated shows on the old token: look, never rotate it again.
  Result<gitlab::AccessToken> old = gitlab_.getToken(plan.account, plan.oldToken.id);
  for (int attempt = 1; attempt < 3 && !old; ++attempt) old = gitlab_.getToken(plan.account, plan.oldToken.id);
  if (old && !old->revoked) {
    audit(run, "create", "unknown_outcome", {{"error", e.message}, {"rotated", false}});
    return fail(e.message,
                fmt::format("{}: the rotate got no answer ({}), and the old token is still active, so GitLab did not "
                            "rotate it. Nothing was changed.",
                            plan.target(), e.message),
                {{"error", e.message}});
  }
  audit(run, "create", "unknown_outcome", {{"error", e.message}, {"rotated", old.ok()}});
  if (!old) {
    std::string why = fmt::format("the rotate got no answer ({}) and the old token's state cannot be read ({})", e.message,
                                  old.error().message);
    run.mark(kStepCreate, StepState::kFailed, why);
    stopForDecision(run, kStepCreate, {{"error", why}});
    run.result.summary = fmt::format("{}: {}. If GitLab rotated it, consumers hold a revoked token: look at the token "
                                     "in GitLab and run /pat rotate again on its successor.",
                                     plan.target(), why);
    return false;
  }
  auto tokens = gitlab_.listTokens(plan.account);
  auto found = tokens ? successorsOf(*tokens, *old, tokensOwnedByOthers(run.id), {}) : std::vector<gitlab::AccessToken>{};
  if (found.size() != 1) {
    std::string why = tokens ? fmt::format("GitLab rotated the old token, but its answer was lost and {} successor{} "
                                           "named \"{}\" {} found",
                                           found.size(), found.size() == 1 ? "" : "s", plan.oldToken.name,
                                           found.size() == 1 ? "was" : "were")
                             : "GitLab rotated the old token, but its answer was lost and the tokens cannot be listed (" +
                                   tokens.error().message + ")";
    run.mark(kStepCreate, StepState::kFailed, why);
    stopForDecision(run, kStepCreate, {{"error", why}});
    run.result.summary = fmt::format("{}: {}. Consumers hold a revoked token: run /pat rotate on the successor.",
                                     plan.target(), why);
    return false;
  }
  return rotateAgain(run, found.front().id, "the rotate's answer was lost: " + e.message);
}

bool RotationEngine::rotateAgain(Run& run, int64_t tokenId, const std::string& why) {
  const RotationPlan& plan = run.plan;
  // Owned before it is rotated, so no other rotation's orphan search takes it for its own.
  journaled(journal_.setNewToken(run.id, tokenId));
  auto started = journal_.step(run.id, kStepRotateAgain, "start", RotationState::kCreating, {{"of", tokenId}, {"why", why}});
  journaled(started);
  Result<gitlab::CreatedToken> rotated =
      started ? gitlab_.rotateToken(plan.account, tokenId, plan.newSpec.expiresAt)
              : Result<gitlab::CreatedToken>(Error::make(ErrorKind::kInternal, "the rotation journal cannot be written"));
  if (rotated) {
    // The journal's replacement becomes the token just made, with its value's digest: recovery
    // finds the value in a consumer by it, and never rotates `tokenId` (revoked by this rotate)
    // again, which would trip reuse detection. acceptNewToken's own record is then a no-op.
    journaled(journal_.replaceNewToken(run.id, tokenId, rotated->token.id,
                                       storage::sha256Hex(rotated->value.reveal())));
    audit(run, kStepRotateAgain, "ok", {{"of", tokenId}, {"why", why}});
    acceptNewToken(run, std::move(*rotated), kStepRotateAgain);
    return true;
  }
  std::string failure = fmt::format("rotating successor {} once more failed: {}", tokenId, rotated.error().message);
  run.mark(kStepCreate, StepState::kFailed, failure);
  audit(run, kStepRotateAgain, "error", {{"of", tokenId}, {"error", rotated.error().message}});
  stopForDecision(run, kStepRotateAgain, {{"error", failure}});
  run.result.summary = fmt::format("{}: the new value was lost ({}), and {}. Consumers hold a revoked token: run "
                                   "/pat rotate {} when GitLab answers again.",
                                   plan.target(), why, failure, tokenId);
  return false;
}

void RotationEngine::recoverRotation(const storage::RotationRecord& r, std::vector<std::string>& lines) {
  const gitlab::TokenOwner owner = ownerOf(r);
  const std::string name = fmt::format("{} (rotation #{})", tokenTarget(owner, r.tokenName), r.id);
  auto steps = journal_.steps(r.id);
  int rotatedAgain = 0;
  int64_t lastTarget = r.oldTokenId;   // the token the last journaled rotate was for
  if (steps) {
    for (const auto& st : *steps) {
      if (st.phase != "start") continue;
      if (st.step == kStepRotateAgain) {
        ++rotatedAgain;
        lastTarget = st.detail.value("of", r.oldTokenId);
      } else if (st.step == kStepCreate) {
        lastTarget = r.oldTokenId;
      }
    }
  }
  auto decideLater = [&](const std::string& step, const std::string& why) {
    journaled(journal_.step(r.id, step, "interrupted", RotationState::kAwaitingDecision, {{"error", why}}));
    count(RotationState::kAwaitingDecision);
    lines.push_back(fmt::format("{}: stopped for a decision after a restart: {}", name, why));
  };
  // The one extra rotate: `tokenId`'s value was lost, so rotate it once more and deliver that value.
  auto rotateAndDeliver = [&](int64_t tokenId, const std::string& why) {
    if (rotatedAgain > 0) {
      return decideLater(kStepRotateAgain,
                         fmt::format("the new value was lost twice ({}); patbot rotates at most once more per request, "
                                     "so consumers may hold a revoked token: run /pat rotate {}",
                                     why, tokenId));
    }
    RotationPlan plan = planFromRecord(r);
    if (auto fresh = gitlab_.getToken(owner, r.oldTokenId)) plan.oldToken = *fresh;
    if (plan.consumers.empty()) {
      return decideLater(kStepDeliver, "the new value was shown to nobody and is not stored: rotate it again with "
                                       "/pat rotate " + std::to_string(tokenId) + " --reveal");
    }
    RotationRequest request;
    request.tokenText = std::to_string(r.oldTokenId);
    request.actor = "patbot";
    request.requestKey = fmt::format("recover:{}", r.id);
    request.channelId = r.channelId;
    NullProgressSink sink;
    Run run{plan, request, sink, {fmt::format("Rotating {}", plan.target()), initialSteps(plan)}, Run::keysFor(plan),
            r.id, {}, {}};
    run.result.rotationId = r.id;
    if (!rotateAgain(run, tokenId, why)) {
      count(run.result.state);
      lines.push_back(fmt::format("{}: {}", name, run.result.summary));
      return;
    }
    secrets_.putNew(r.id, run.created->value);
    continueFrom(run, Stage::kDeliver);
    lines.push_back(fmt::format("{}: the new value was lost with the restart; token {} was rotated once more (new id "
                                "{}) and delivered ({}): {}",
                                name, tokenId, run.created->token.id, storage::rotationStateName(run.result.state),
                                run.result.summary));
  };

  switch (r.state) {
    case RotationState::kPlanned: {
      journaled(journal_.finish(r.id, RotationState::kRolledBack, "interrupted before the rotate"));
      count(RotationState::kRolledBack);
      lines.push_back(fmt::format("{}: interrupted before GitLab was asked to rotate; nothing was changed", name));
      return;
    }
    case RotationState::kCreating: {
      auto target = gitlab_.getToken(owner, lastTarget);
      if (!target) {
        return decideLater(kStepCreate, fmt::format("token {} cannot be read ({}), so patbot cannot tell whether GitLab "
                                                    "rotated it",
                                                    lastTarget, target.error().message));
      }
      if (!target->revoked) {
        if (lastTarget == r.oldTokenId) {
          journaled(journal_.finish(r.id, RotationState::kRolledBack, "interrupted before GitLab rotated the token"));
          count(RotationState::kRolledBack);
          lines.push_back(fmt::format("{}: interrupted before GitLab rotated the token; old token {} is untouched",
                                      name, r.oldTokenId));
          return;
        }
        // The extra rotate was journaled but never reached GitLab: it is still the one extra.
        rotatedAgain = 0;
        return rotateAndDeliver(lastTarget, "patbot stopped before rotating the successor");
      }
      auto tokens = gitlab_.listTokens(owner);
      if (!tokens) {
        return decideLater(kStepCreate, "GitLab rotated token " + std::to_string(lastTarget) +
                                            ", and its tokens cannot be listed to find the successor: " +
                                            tokens.error().message);
      }
      auto found = successorsOf(*tokens, *target, tokensOwnedByOthers(r.id), r.createdAt);
      if (found.size() != 1) {
        return decideLater(kStepCreate, fmt::format("GitLab rotated token {}, and {} successors named \"{}\" were found",
                                                    lastTarget, found.size(), r.tokenName));
      }
      return rotateAndDeliver(found.front().id, "patbot stopped before GitLab's answer to the rotate arrived");
    }
    case RotationState::kCreated:
    case RotationState::kDelivering: {
      RotationPlan plan = planFromRecord(r);
      if (!plan.consumers.empty()) {
        auto holdings = inspectConsumers(gitlab_, plan.consumers, r.newValueSha256);
        // A consumer holding the new value gives it back: deliver the rest with it.
        if (holdings.value) return recoverDelivery(r, lines, /*delivered=*/false);
        if (!holdings.allKnown()) {
          return decideLater(kStepDeliver, fmt::format("patbot cannot tell which consumers hold the new token: {}",
                                                       fmt::join(holdings.unknown, "; ")));
        }
      }
      if (!r.newTokenId) return decideLater(kStepDeliver, "the journal does not name the new token");
      return rotateAndDeliver(*r.newTokenId, "patbot stopped before the new value reached every consumer");
    }
    case RotationState::kDelivered:
    case RotationState::kVerifying:
      return recoverDelivery(r, lines, /*delivered=*/true);
    case RotationState::kVerified: {
      // Delivered and verified; GitLab's rotate revoked the old token, so only the tracking
      // issue was left (it stays open, as replace's recovery leaves it).
      journaled(journal_.finish(r.id, RotationState::kCompleted));
      count(RotationState::kCompleted);
      lines.push_back(fmt::format("{}: finished after restart; new token {} was delivered and verified before it",
                                  name, r.newTokenId.value_or(0)));
      return;
    }
    default:
      return;   // awaiting a decision, or finished
  }
}

}  // namespace patbot::handlers
