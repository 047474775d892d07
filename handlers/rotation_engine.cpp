#include "handlers/rotation_engine.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handlers/rotation_preflight.h"
#include "handlers/rotation_run.h"
#include "handlers/token_naming.h"
#include "handlers/token_resolver.h"
#include "storage/audit_hash.h"

namespace patbot::handlers {

using storage::RotationState;

namespace {

constexpr int kMaxLifetimeDays = 365;

nlohmann::json planJson(const RotationPlan& p) {
  nlohmann::json consumers = nlohmann::json::array();
  nlohmann::json refs = nlohmann::json::array();
  for (const auto& c : p.consumers) {
    consumers.push_back(variableLabel(c));
    refs.push_back({{"kind", c.kind == gitlab::VariableOwnerKind::kProject ? "project" : "group"},
                    {"owner", c.owner},
                    {"key", c.key},
                    {"environment_scope", c.environmentScope}});
  }
  nlohmann::json j = {{"old_token_id", p.oldToken.id},
                      {"new_expires_at", formatDate(p.newSpec.expiresAt)},
                      {"consumers", consumers},
                      {"consumer_refs", refs},
                      {"immediate", p.immediate},
                      {"owner_kind", gitlab::tokenKindName(p.account.kind)},
                      {"strategy", strategyName(p.strategy)}};
  if (p.pipeline) j["pipeline"] = {{"project", p.pipeline->project}, {"ref", p.pipeline->ref}};
  if (p.issue) j["issue"] = {{"project", p.issue->project}, {"iid", p.issue->iid}};
  return j;
}

// What a repeated request is told about the rotation its first delivery began.
RotationResult duplicateOf(const storage::RotationRecord& record) {
  RotationResult dup;
  dup.rotationId = record.id;
  dup.state = record.state;
  dup.duplicate = true;
  dup.summary = fmt::format("this request was already handled (rotation #{}, {})", record.id,
                            storage::rotationStateName(record.state));
  return dup;
}

}  // namespace

void journaled(const Status& written) {
  if (!written) spdlog::error("rotation journal write failed: {}", written.error().detail.empty() ? written.error().message : written.error().detail);
}

std::string variableLabel(const gitlab::VariableRef& v) {
  std::string scope = v.environmentScope.empty() ? "" : fmt::format(" [{}]", v.environmentScope);
  return fmt::format("{} {}:{}{}", v.kind == gitlab::VariableOwnerKind::kProject ? "project" : "group", v.owner,
                     v.key, scope);
}

const char* decisionName(Decision d) {
  switch (d) {
    case Decision::kRetry: return "retry";
    case Decision::kRollBack: return "roll_back";
    case Decision::kRevokeOld: return "revoke_old";
    case Decision::kAbandon: return "abandon";
  }
  return "retry";
}

std::optional<Decision> parseDecision(const std::string& name) {
  for (auto d : {Decision::kRetry, Decision::kRollBack, Decision::kRevokeOld, Decision::kAbandon}) {
    if (name == decisionName(d)) return d;
  }
  return std::nullopt;
}

Status ProgressSink::reveal(const std::string&, const Secret&) {
  return Error::make(ErrorKind::kInvalidInput, "this way of running a rotation cannot show a token value");
}

gitlab::TokenOwner ownerOf(const storage::RotationRecord& r) {
  gitlab::TokenOwner owner{r.accountId, r.account, ""};
  if (r.plan.is_object()) {
    owner.kind = gitlab::parseTokenKind(r.plan.value("owner_kind", std::string("personal"))).value_or(TokenKind::kPersonal);
  }
  return owner;
}

std::string tokenTarget(const gitlab::TokenOwner& owner, const std::string& name) {
  if (owner.kind == TokenKind::kPersonal) return owner.username + "/" + name;
  return tokenLabel(owner, name);
}

std::string oldTokenDiedBy(const RotationPlan& plan) {
  return plan.strategy == RotationStrategy::kRotate ? "GitLab's rotate" : "--immediate";
}

RotationPlan planFromRecord(const storage::RotationRecord& r) {
  RotationPlan p;
  p.account = ownerOf(r);
  p.strategy = parseStrategy(r.plan.is_object() ? r.plan.value("strategy", std::string("replace")) : "replace")
                   .value_or(RotationStrategy::kReplace);
  p.oldToken.id = r.oldTokenId;
  p.oldToken.name = r.tokenName;
  p.newSpec.name = r.tokenName;
  if (auto d = parseDate(r.plan.value("new_expires_at", std::string()))) p.newSpec.expiresAt = *d;
  p.immediate = r.immediate;
  for (const auto& c : r.plan.value("consumer_refs", nlohmann::json::array())) {
    p.consumers.push_back({c.value("kind", "project") == "group" ? gitlab::VariableOwnerKind::kGroup
                                                                 : gitlab::VariableOwnerKind::kProject,
                           c.value("owner", ""), c.value("key", ""), c.value("environment_scope", "")});
  }
  if (r.plan.contains("pipeline")) {
    p.pipeline = PipelineRef{r.plan["pipeline"].value("project", ""), r.plan["pipeline"].value("ref", "")};
  }
  if (r.plan.contains("issue")) {
    p.issue = IssueRef{r.plan["issue"].value("project", ""), r.plan["issue"].value("iid", int64_t{0})};
  }
  return p;
}

std::string RotationPlan::target() const { return tokenTarget(account, oldToken.name); }

RotationEngine::RotationEngine(gitlab::GitLabApi& gitlab, storage::RotationJournal& journal,
                               storage::AuditStore& audit, const Clock& clock, const Policy& policy,
                               EngineOptions options)
    : gitlab_(gitlab), journal_(journal), audit_(audit), clock_(clock), policy_(policy), options_(std::move(options)) {
  if (options_.metrics) {
    options_.metrics->declareCounter("patbot_rotations_total",
                                     "Rotations that ended or stopped for a decision, by the state they reached.");
  }
}

std::vector<StepView> RotationEngine::initialSteps(const RotationPlan& plan) {
  std::vector<StepView> steps;
  std::string deliver = plan.consumers.empty()
                            ? std::string("show the new value once, to the requester only")
                            : fmt::format("update {} CI/CD variable{}", plan.consumers.size(),
                                          plan.consumers.size() == 1 ? "" : "s");
  if (plan.strategy == RotationStrategy::kRotate) {
    steps.push_back({"rotate the token (GitLab revokes the old value at once)", StepState::kPending, ""});
  } else {
    steps.push_back({"create the new token", StepState::kPending, ""});
  }
  if (plan.immediate && plan.strategy == RotationStrategy::kReplace) steps.push_back({"revoke the old token at once (--immediate)", StepState::kPending, ""});
  steps.push_back({deliver, StepState::kPending, ""});
  steps.push_back({"check the new token answers GitLab", StepState::kPending, ""});
  if (plan.pipeline) {
    steps.push_back({fmt::format("run pipeline {}@{}", plan.pipeline->project, plan.pipeline->ref), StepState::kPending, ""});
  }
  if (!plan.immediate) steps.push_back({"revoke the old token", StepState::kPending, ""});
  if (plan.issue) {
    steps.push_back({fmt::format("comment on and close {}#{}", plan.issue->project, plan.issue->iid), StepState::kPending, ""});
  }
  return steps;
}

Result<RotationPlan> RotationEngine::plan(const RotationRequest& request) {
  auto inventory = gitlab_.inventory();
  if (!inventory) return inventory.error();
  auto resolved = resolveToken(*inventory, request.tokenText);
  if (!resolved) return resolved.error();
  // Fresh metadata of this very token (the inventory may be a page older).
  auto fresh = gitlab_.getToken(resolved->account, resolved->token.id);
  if (!fresh) return fresh.error();
  if (fresh->revoked) {
    return Error::make(ErrorKind::kInvalidInput, fmt::format("token {} ({}) is already revoked", fresh->id,
                                                             tokenTarget(resolved->account, fresh->name)));
  }

  RotationPlan p;
  p.account = resolved->account;
  p.oldToken = *fresh;
  p.strategy = request.strategy.value_or(policy_.strategyFor(p.account.kind, p.account.username, fresh->name));
  p.immediate = request.immediate || p.strategy == RotationStrategy::kRotate;
  p.reveal = request.reveal;
  int days = std::min(request.expiresInDays.value_or(policy_.rotation.expiresInDays), kMaxLifetimeDays);
  if (days < 1) return Error::make(ErrorKind::kInvalidInput, "--expires-in must be at least 1 day");
  p.newSpec = gitlab::TokenSpec{fresh->name, fresh->description, fresh->scopes, utcDay(clock_.now()) + std::chrono::days(days)};
  p.newSpec.accessLevel = fresh->accessLevel;

  if (const TokenPolicy* policy = policy_.tokenFor(p.account.kind, p.account.username, fresh->name)) {
    for (const auto& v : policy->ciVariables) {
      p.consumers.push_back({gitlab::VariableOwnerKind::kProject, v.project, v.key, v.environmentScope});
    }
    for (const auto& v : policy->groupVariables) {
      p.consumers.push_back({gitlab::VariableOwnerKind::kGroup, v.group, v.key, v.environmentScope});
    }
    p.pipeline = policy->verifyPipeline;
    p.issue = policy->trackingIssue;
  }
  if (!p.issue && options_.trackingIssues) p.issue = options_.trackingIssues->openFor(fresh->id);
  auto owner = rotationOwning(fresh->id);
  if (!owner) return owner.error();
  p.blockedBy = *owner;
  if (p.consumers.empty() && !p.reveal) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("{} has no [[token]] entry with consumers in the policy file, so patbot would not know "
                                   "where to put the new value. Add one, or rotate with --reveal to see the new value "
                                   "once (only you will see it).",
                                   p.target()));
  }
  if (!p.consumers.empty() && p.reveal) {
    return Error::make(ErrorKind::kInvalidInput, "--reveal is only for tokens without configured consumers");
  }

  // Pre-flight: nothing changes if any of these fails.
  if (auto chosen = preflightStrategy(gitlab_, p, utcDay(clock_.now())); !chosen) return chosen.error();
  std::vector<std::string> problems;
  for (const auto& c : p.consumers) {
    auto v = gitlab_.getVariable(c);
    if (!v) problems.push_back(fmt::format("{}: {}", variableLabel(c), v.error().message));
  }
  if (p.pipeline) {
    auto project = gitlab_.getProject(p.pipeline->project);
    if (!project) problems.push_back(fmt::format("pipeline project {}: {}", p.pipeline->project, project.error().message));
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& pr : problems) all += (all.empty() ? "" : "; ") + pr;
    return Error::make(ErrorKind::kInvalidInput, "pre-flight check failed, nothing was changed: " + all);
  }
  return p;
}

void RotationEngine::audit(const Run& run, const std::string& step, const std::string& outcome,
                           const nlohmann::json& detail) {
  storage::AuditRecord r;
  r.actor = run.request.actor;
  r.action = "rotation." + step;
  r.target = run.plan.target();
  r.outcome = outcome;
  r.requestId = run.request.requestKey;
  r.detail = {{"rotation", run.id}, {"old_token_id", run.plan.oldToken.id}};
  if (run.created) r.detail["new_token_id"] = run.created->token.id;
  for (auto& [k, v] : detail.items()) r.detail[k] = v;
  if (auto a = audit_.append(r); !a) spdlog::error("audit append failed: {}", a.error().detail);
}

void RotationEngine::count(RotationState state) {
  if (!options_.metrics) return;
  options_.metrics->inc("patbot_rotations_total", {{"outcome", storage::rotationStateName(state)}});
}

Result<std::optional<PendingRotation>> RotationEngine::rotationOwning(int64_t tokenId) {
  auto open = journal_.unfinished();
  if (!open) return open.error();
  for (const auto& r : *open) {
    if (r.oldTokenId == tokenId || (r.newTokenId && *r.newTokenId == tokenId)) return pendingFor(r);
  }
  return std::optional<PendingRotation>();
}

std::set<int64_t> RotationEngine::tokensOwnedByOthers(int64_t exceptRotation) {
  std::set<int64_t> owned;
  if (auto open = journal_.unfinished()) {
    for (const auto& r : *open) {
      if (r.id == exceptRotation) continue;
      owned.insert(r.oldTokenId);
      if (r.newTokenId) owned.insert(*r.newTokenId);
    }
  }
  return owned;
}

std::mutex& RotationEngine::createMutexFor(int64_t accountId) {
  std::lock_guard lock(createMutexesGuard_);
  auto& m = createMutexes_[accountId];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

Result<std::optional<RotationResult>> RotationEngine::alreadyHandled(const std::string& requestKey) {
  if (requestKey.empty()) return std::optional<RotationResult>();
  auto found = journal_.findByRequestKey(requestKey);
  if (!found) return found.error();
  if (!*found) return std::optional<RotationResult>();
  return std::optional<RotationResult>(duplicateOf(**found));
}

Result<RotationResult> RotationEngine::execute(const RotationPlan& plan, const RotationRequest& request,
                                               ProgressSink& sink) {
  storage::RotationRecord record;
  record.requestKey = request.requestKey;
  record.actor = request.actor;
  record.account = plan.account.username;
  record.accountId = plan.account.id;
  record.tokenName = plan.oldToken.name;
  record.oldTokenId = plan.oldToken.id;
  record.immediate = plan.immediate;
  record.plan = planJson(plan);
  record.channelId = request.channelId;
  auto begun = journal_.begin(record);
  if (!begun) return begun.error();
  if (!begun->created) return duplicateOf(begun->record);

  Run run{plan, request, sink, {fmt::format("Rotating {}", plan.target()), initialSteps(plan)},
          Run::keysFor(plan), begun->record.id, {}, {}};
  run.result.rotationId = run.id;
  sink.show(run.progress);
  audit(run, "start", "started", {{"plan", record.plan}});

  const bool rotate = plan.strategy == RotationStrategy::kRotate;
  if (!(rotate ? rotateOldToken(run) : createNewToken(run))) {
    count(run.result.state);
    return run.result;
  }
  secrets_.putNew(run.id, run.created->value);
  if (plan.immediate && !rotate && !revokeOld(run, false)) {
    count(run.result.state);
    return run.result;
  }
  continueFrom(run, Stage::kDeliver);
  return run.result;
}

void RotationEngine::continueFrom(Run& run, Stage stage) {
  const auto& plan = run.plan;
  auto settle = [&] {
    count(run.result.state);
    if (storage::isTerminal(run.result.state)) secrets_.forget(run.id);
  };
  if (stage <= Stage::kDeliver && !deliver(run)) return settle();
  if (stage <= Stage::kVerify && !verify(run)) return settle();
  if (!plan.immediate) {
    if (!revokeOld(run, stage != Stage::kRevoke)) return settle();
    if (run.result.state == RotationState::kRevokeScheduled) {
      closeIssue(run);
      secrets_.forget(run.id);   // delivered and verified: nothing left that needs a value
      return settle();
    }
  }
  closeIssue(run);
  journaled(journal_.finish(run.id, RotationState::kCompleted, ""));
  run.result.state = RotationState::kCompleted;
  run.result.summary = fmt::format("{}: old id {} → new id {}, expires {}", plan.target(), plan.oldToken.id,
                                   run.created->token.id, run.newExpiry());
  audit(run, "complete", "ok");
  settle();
}

void RotationEngine::stopForDecision(Run& run, const std::string& step, const nlohmann::json& detail) {
  journaled(journal_.step(run.id, step, "failed", RotationState::kAwaitingDecision, detail));
  run.result.state = RotationState::kAwaitingDecision;
  std::vector<std::string> all;
  for (const auto& c : run.plan.consumers) all.push_back(variableLabel(c));
  std::vector<std::string> updated = step == kStepDeliver ? run.result.consumersUpdated : all;
  if (run.plan.immediate && step == kStepRevoke) updated.clear();
  run.result.decisions = decisionsFor(run.id, step, run.plan.immediate, updated);
}

bool RotationEngine::createNewToken(Run& run) {
  auto fail = [&](const std::string& why, const std::string& summary, const nlohmann::json& detail) {
    journaled(journal_.step(run.id, kStepCreate, "failed", RotationState::kFailed, {{"error", why}}));
    journaled(journal_.finish(run.id, RotationState::kFailed, why));
    run.mark(kStepCreate, StepState::kFailed, why);
    run.result.state = RotationState::kFailed;
    run.result.summary = summary;
    audit(run, "create", "error", detail);
    return false;
  };
  // The tokens that exist before the create: after an unanswered create, a token of the name
  // that is not among them is ours. Without this list an old token could not be told apart
  // from the new one, so nothing is created. Held for list → create → search, so that another
  // rotation on this account cannot create a token of the same name in between.
  std::lock_guard createLock(createMutexFor(run.plan.account.id));
  std::set<int64_t> before;
  auto listed = gitlab_.listTokens(run.plan.account);
  if (!listed) {
    return fail(listed.error().message,
                fmt::format("{}: could not list the account's tokens before creating one: {}. Nothing was changed.",
                            run.plan.target(), listed.error().message),
                {{"error", listed.error().message}});
  }
  for (const auto& t : *listed) before.insert(t.id);
  // Journaled before it runs (SPEC §5.3), or not run at all.
  if (auto s = journal_.step(run.id, kStepCreate, "start", RotationState::kCreating); !s) {
    journaled(s);
    std::string why = "the rotation journal cannot be written (" + s.error().message + ")";
    return fail(why, fmt::format("{}: {}. Nothing was changed.", run.plan.target(), why), {{"error", why}});
  }
  run.mark(kStepCreate, StepState::kRunning);
  auto spec = run.plan.newSpec;
  auto created = gitlab_.createToken(run.plan.account, spec);
  // A refused expiry (a 400/422: nothing was created) is retried with the latest date GitLab
  // says it accepts; each retry asks for an earlier date, and two are enough for every answer.
  for (int retry = 0; retry < 2 && !created; ++retry) {
    auto shorter = gitlab::latestAcceptedExpiry(created.error(), utcDay(clock_.now()), spec.expiresAt);
    if (!shorter) break;
    spec.expiresAt = *shorter;
    created = gitlab_.createToken(run.plan.account, spec);
  }
  if (!created) {
    const Error& e = created.error();
    nlohmann::json detail = {{"error", e.message}};
    std::string summary =
        fmt::format("{}: could not create the new token: {}. Nothing was changed.", run.plan.target(), e.message);
    // No answer, a 5xx, or an unreadable one (kProtocol: the connection closed before or during
    // the answer): the create may have happened. Look, never create again.
    if (e.kind == ErrorKind::kTimeout || e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kProtocol) {
      std::optional<std::vector<gitlab::AccessToken>> after;
      for (int attempt = 0; attempt < 3 && !after; ++attempt) {
        if (auto tokens = gitlab_.listTokens(run.plan.account)) after = std::move(*tokens);
      }
      std::vector<int64_t> orphans, kept;
      if (after) {
        auto owned = tokensOwnedByOthers(run.id);
        for (const auto& t : *after) {
          if (before.count(t.id) || t.name != spec.name || t.revoked || owned.count(t.id)) continue;
          auto revoked = gitlab_.revokeToken(run.plan.account, t.id);
          (revoked || revoked.error().kind == ErrorKind::kNotFound ? orphans : kept).push_back(t.id);
        }
      }
      detail["orphans_revoked"] = orphans;
      detail["orphans_left"] = kept;
      detail["orphan_search"] = after ? "done" : "failed";
      audit(run, "create", "unknown_outcome", detail);
      if (!after) {
        summary = fmt::format("{}: could not create the new token: {}. GitLab may have created it anyway, and its "
                              "tokens could not be listed to check: look for an unused token named \"{}\" on {} "
                              "and revoke it. The old token is untouched.",
                              run.plan.target(), e.message, spec.name, run.plan.account.username);
      } else if (!kept.empty()) {
        summary = fmt::format("{}: could not create the new token: {}. GitLab created it anyway (id {}) and "
                              "revoking it failed: revoke it by hand. The old token is untouched.",
                              run.plan.target(), e.message, fmt::join(kept, ", "));
      } else if (!orphans.empty()) {
        summary = fmt::format("{}: could not create the new token: {}. GitLab had created it anyway (id {}); it was "
                              "revoked. Nothing else was changed.",
                              run.plan.target(), e.message, fmt::join(orphans, ", "));
      }
    }
    return fail(e.message, summary, detail);
  }
  acceptNewToken(run, std::move(*created), kStepCreate);
  return true;
}

void RotationEngine::acceptNewToken(Run& run, gitlab::CreatedToken created, const std::string& step) {
  run.created = std::move(created);
  const std::string expires = run.newExpiry();
  journaled(journal_.setNewToken(run.id, run.created->token.id, storage::sha256Hex(run.created->value.reveal())));
  journaled(journal_.step(run.id, step, "done", RotationState::kCreated, {{"new_token_id", run.created->token.id}}));
  run.result.newToken = run.created->token;
  run.mark(kStepCreate, StepState::kDone, fmt::format("id {}, expires {}", run.created->token.id, expires));
  audit(run, step, "ok", {{"expires_at", expires}});
}

void RotationEngine::rollBackNewToken(Run& run, const std::string& why) {
  journaled(journal_.step(run.id, "rollback", "start", RotationState::kRollingBack, {{"reason", why}}));
  auto revoked = gitlab_.revokeToken(run.plan.account, run.created->token.id);
  if (revoked || revoked.error().kind == ErrorKind::kNotFound) {
    journaled(journal_.finish(run.id, RotationState::kRolledBack, why));
    run.result.state = RotationState::kRolledBack;
    audit(run, "rollback", "ok", {{"reason", why}});
  } else {
    journaled(journal_.finish(run.id, RotationState::kFailed, why + "; revoking the new token also failed: " + revoked.error().message));
    run.result.state = RotationState::kFailed;
    audit(run, "rollback", "error", {{"reason", why}, {"error", revoked.error().message}});
  }
}

bool RotationEngine::deliver(Run& run) {
  // Journaled before it runs (SPEC §5.3): recovery revokes a new token it does not know was being
  // delivered, so writing it to a consumer without this row could strand the consumer. (An
  // --immediate rotation goes on: its old token is already revoked, the new one is all there is,
  // and recovery never revokes it.)
  auto started = journal_.step(run.id, kStepDeliver, "start", RotationState::kDelivering);
  journaled(started);
  if (!started && !run.plan.immediate) {
    std::string why = "the rotation journal cannot be written (" + started.error().message + ")";
    run.mark(kStepDeliver, StepState::kFailed, why);
    audit(run, "deliver", "error", {{"error", why}, {"updated", nlohmann::json::array()}});
    run.result.summary = fmt::format(
        "{}: {}, so no consumer was updated. The new token was revoked; the old one is untouched and still in use.",
        run.plan.target(), why);
    rollBackNewToken(run, "delivery not started: " + why);
    return false;
  }
  run.mark(kStepDeliver, StepState::kRunning);
  if (run.plan.consumers.empty()) return reveal(run);
  if (run.created->value.empty()) {
    // Never write an empty value: decide() guarantees the value is known before it delivers.
    std::string why = "the new token's value is not known to this process";
    run.mark(kStepDeliver, StepState::kFailed, why);
    stopForDecision(run, kStepDeliver, {{"error", why}, {"updated", run.result.consumersUpdated}});
    run.result.summary = fmt::format("{}: {}; nothing was written.", run.plan.target(), why);
    return false;
  }
  std::vector<std::string> done;
  // The SHA-256 of each consumer's previous value (never the value), journaled with the outcome of
  // the delivery: a roll back that a crash cuts short finds the value again in a consumer that
  // holds it already (SPEC §5.3).
  nlohmann::json previousSha = nlohmann::json::object();
  for (const auto& c : run.plan.consumers) {
    // The previous value, kept in memory only, so that Roll back can put it back.
    auto current = gitlab_.getVariable(c);
    // A consumer already holding the new value (a delivery finished after a restart) has no
    // previous value patbot knows: recording the new one as "previous" would make Roll back a no-op.
    if (current && !(current->value && *current->value == run.created->value)) {
      secrets_.putPrevious(run.id, variableLabel(c), current->value);
      if (current->value) previousSha[variableLabel(c)] = storage::sha256Hex(current->value->reveal());
    }
    auto updated = current ? gitlab_.updateVariable(c, run.created->value) : Status(current.error());
    if (!updated) {
      std::string why = fmt::format("{}: {}", variableLabel(c), updated.error().message);
      run.mark(kStepDeliver, StepState::kFailed, why);
      audit(run, "deliver", "error", {{"consumer", variableLabel(c)}, {"error", updated.error().message}, {"updated", done}});
      run.result.consumersUpdated = done;
      if (done.empty() && run.plan.immediate) {
        // --immediate: the old token is already revoked, so the new one is the only valid token.
        stopForDecision(run, kStepDeliver, {{"error", why}, {"updated", done}});
        run.result.summary = fmt::format(
            "{}: could not update {}. The old token was already revoked ({}), so the new token (id {}) is "
            "kept as the only valid one: fix the variable, then Retry delivery.",
            run.plan.target(), why, oldTokenDiedBy(run.plan), run.created->token.id);
      } else if (done.empty()) {
        run.result.summary = fmt::format(
            "{}: could not update {}. The new token was revoked; the old one is untouched and still in use.",
            run.plan.target(), why);
        rollBackNewToken(run, "delivery failed: " + why);
      } else {
        // Some consumers already hold the new value: revoking it would break them.
        stopForDecision(run, kStepDeliver, {{"error", why}, {"updated", done}, {"previous_sha256", previousSha}});
        // Strategy rotate or --immediate: the old token is dead, so there is no roll back (decisionsFor).
        run.result.summary =
            run.plan.immediate
                ? fmt::format("{}: updated {} but not {}. The old token was already revoked ({}), so the new token "
                              "(id {}) is kept as the only valid one: fix the variable, then Retry delivery.",
                              run.plan.target(), fmt::join(done, ", "), why, oldTokenDiedBy(run.plan),
                              run.created->token.id)
                : fmt::format("{}: updated {} but not {}. Both tokens are kept so nothing breaks; fix the variable "
                              "and retry, or roll back.",
                              run.plan.target(), fmt::join(done, ", "), why);
      }
      return false;
    }
    done.push_back(variableLabel(c));
  }
  run.result.consumersUpdated = done;
  journaled(journal_.step(run.id, kStepDeliver, "done", RotationState::kDelivered,
                          {{"updated", done}, {"previous_sha256", previousSha}}));
  run.mark(kStepDeliver, StepState::kDone, fmt::format("{}", fmt::join(done, ", ")));
  audit(run, "deliver", "ok", {{"updated", done}});
  return true;
}

bool RotationEngine::reveal(Run& run) {
  // The reveal is the delivery: until the requester has the value, nothing is revoked.
  auto shown = run.created->value.empty()
                   ? Status(Error::make(ErrorKind::kInvalidInput, "the new token's value is not known to this process"))
                   : run.sink.reveal(run.plan.target(), run.created->value);
  if (shown) {
    run.result.revealed = true;
    journaled(journal_.step(run.id, kStepDeliver, "done", RotationState::kDelivered, {{"revealed", true}}));
    run.mark(kStepDeliver, StepState::kDone, "shown once to the requester");
    audit(run, "deliver", "revealed");
    return true;
  }
  std::string why = "the new value could not be shown: " + shown.error().message;
  run.mark(kStepDeliver, StepState::kFailed, why);
  audit(run, "deliver", "error", {{"error", why}, {"updated", nlohmann::json::array()}});
  if (run.plan.immediate) {
    stopForDecision(run, kStepDeliver, {{"error", why}, {"updated", nlohmann::json::array()}});
    run.result.summary = fmt::format(
        "{}: {}. The old token was already revoked ({}), so the new token (id {}) is kept as the only valid "
        "one: Retry to show its value again.",
        run.plan.target(), why, oldTokenDiedBy(run.plan), run.created->token.id);
    return false;
  }
  run.result.summary = fmt::format("{}: {}. The new token was revoked; the old one is untouched and still in use.",
                                   run.plan.target(), why);
  rollBackNewToken(run, "reveal failed: " + why);
  return false;
}

Result<gitlab::Pipeline> RotationEngine::runVerifyPipeline(const PipelineRef& ref, std::string& note) {
  // As the runbook does: re-run the latest failed pipeline on that ref if there is one.
  auto failed = gitlab_.latestPipeline(ref.project, ref.ref, "failed");
  if (!failed) return failed.error();
  Result<gitlab::Pipeline> started = *failed ? gitlab_.retryPipeline(ref.project, (*failed)->id)
                                             : gitlab_.createPipeline(ref.project, ref.ref);
  if (!started) return started.error();
  note = *failed ? fmt::format("retried failed pipeline {}", started->id) : fmt::format("pipeline {}", started->id);
  auto deadline = clock_.now() + std::chrono::minutes(policy_.rotation.verifyTimeoutMinutes);
  gitlab::Pipeline current = *started;
  auto interval = options_.pipelinePollInterval;
  while (!gitlab::pipelineFinished(current.status)) {
    if (clock_.now() >= deadline) {
      Error e = Error::make(ErrorKind::kTimeout,
                            fmt::format("pipeline {} did not finish within {} minutes", current.id,
                                        policy_.rotation.verifyTimeoutMinutes));
      return e;
    }
    clock_.sleepFor(interval);
    interval = std::min(interval * 2, options_.pipelinePollMax);
    auto next = gitlab_.getPipeline(ref.project, current.id);
    if (!next) return next.error();
    if (next->webUrl.empty()) next->webUrl = current.webUrl;
    current = *next;
  }
  return current;
}

bool RotationEngine::verify(Run& run) {
  journaled(journal_.step(run.id, kStepCheck, "start", RotationState::kVerifying));
  run.mark(kStepCheck, StepState::kRunning);
  // With the value: the new token itself answers /personal_access_tokens/self. Without it (a
  // decision after a restart): the bot's own token reads it by id.
  auto self = !run.created->value.empty() ? gitlab_.tokenSelf(run.created->value)
                                          : gitlab_.getToken(run.plan.account, run.created->token.id);
  if (!self || !self->active) {
    std::string why = self ? "GitLab says the new token is not active" : self.error().message;
    run.mark(kStepCheck, StepState::kFailed, why);
    stopForDecision(run, kStepCheck, {{"error", why}});
    run.result.summary = fmt::format("{}: the new token did not pass its check ({}). {}", run.plan.target(), why,
                                     run.plan.immediate ? "The old token was already revoked (" + oldTokenDiedBy(run.plan) + ")."
                                                        : std::string("Both tokens are kept."));
    audit(run, "verify", "error", {{"error", why}});
    return false;
  }
  run.mark(kStepCheck, StepState::kDone, fmt::format("active, id {}", self->id));
  if (run.plan.pipeline) {
    run.mark(kStepPipeline, StepState::kRunning);
    std::string note;
    auto pipeline = runVerifyPipeline(*run.plan.pipeline, note);
    if (pipeline) {
      run.result.pipelineUrl = pipeline->webUrl;
      run.result.pipelineStatus = pipeline->status;
    }
    if (!pipeline || pipeline->status != "success") {
      std::string why = pipeline ? fmt::format("pipeline {} ended {}", pipeline->id, pipeline->status) : pipeline.error().message;
      run.mark(kStepPipeline, StepState::kFailed, why + (run.result.pipelineUrl.empty() ? "" : " " + run.result.pipelineUrl));
      stopForDecision(run, kStepPipeline, {{"error", why}, {"url", run.result.pipelineUrl}});
      run.result.summary =
          run.plan.immediate
              ? fmt::format("{}: verification failed ({}). The old token was already revoked ({}); the new "
                            "one is kept: retry once the cause is fixed.",
                            run.plan.target(), why, oldTokenDiedBy(run.plan))
              : fmt::format("{}: verification failed ({}). Both tokens are kept: retry, roll back, or revoke the old "
                            "one anyway.",
                            run.plan.target(), why);
      audit(run, "verify", "error", {{"error", why}, {"pipeline", run.result.pipelineUrl}});
      return false;
    }
    run.mark(kStepPipeline, StepState::kDone, fmt::format("{} succeeded {}", note, pipeline->webUrl));
  }
  journaled(journal_.step(run.id, kStepCheck, "done", RotationState::kVerified, {{"pipeline", run.result.pipelineUrl}}));
  audit(run, "verify", "ok", {{"pipeline", run.result.pipelineUrl}});
  return true;
}

bool RotationEngine::revokeOld(Run& run, bool scheduleIfGrace) {
  if (scheduleIfGrace && policy_.rotation.revokeGraceHours > 0) {
    auto when = formatTimestamp(clock_.now() + std::chrono::hours(policy_.rotation.revokeGraceHours));
    journaled(journal_.setRevokeAfter(run.id, when));
    journaled(journal_.step(run.id, kStepRevoke, "scheduled", RotationState::kRevokeScheduled, {{"revoke_after", when}}));
    run.mark(kStepRevoke, StepState::kPending, "scheduled for " + when);
    run.result.state = RotationState::kRevokeScheduled;
    run.result.summary = fmt::format("{}: new id {} delivered and verified; old id {} will be revoked at {}",
                                     run.plan.target(), run.created->token.id, run.plan.oldToken.id, when);
    audit(run, "revoke", "scheduled", {{"revoke_after", when}});
    return true;
  }
  journaled(journal_.step(run.id, kStepRevoke, "start", RotationState::kRevoking));
  run.mark(kStepRevoke, StepState::kRunning);
  auto revoked = gitlab_.revokeToken(run.plan.account, run.plan.oldToken.id);
  if (!revoked && revoked.error().kind != ErrorKind::kNotFound) {
    run.mark(kStepRevoke, StepState::kFailed, revoked.error().message);
    stopForDecision(run, kStepRevoke, {{"error", revoked.error().message}});
    run.result.summary = fmt::format("{}: could not revoke the old token: {}", run.plan.target(), revoked.error().message);
    audit(run, "revoke", "error", {{"error", revoked.error().message}});
    return false;
  }
  journaled(journal_.step(run.id, kStepRevoke, "done", run.plan.immediate ? RotationState::kCreated : RotationState::kVerified));
  run.mark(kStepRevoke, StepState::kDone, fmt::format("id {}", run.plan.oldToken.id));
  audit(run, "revoke", "ok");
  return true;
}

void RotationEngine::closeIssue(Run& run) {
  if (!run.plan.issue) return;
  run.mark(kStepIssue, StepState::kRunning);
  const auto& issue = *run.plan.issue;
  std::string body = fmt::format(
      "Token `{}` of {} `{}` was rotated by patbot for {}: old id {} → new id {}, new expiry {}.{}",
      run.plan.oldToken.name,
      run.plan.account.kind == TokenKind::kPersonal ? "service account" : gitlab::tokenKindName(run.plan.account.kind),
      run.plan.account.username, run.request.actor, run.plan.oldToken.id,
      run.created->token.id, run.newExpiry(),
      run.result.pipelineUrl.empty() ? "" : " Verify pipeline: " + run.result.pipelineUrl);
  auto noted = gitlab_.addIssueNote(issue.project, issue.iid, body);
  auto closed = noted ? gitlab_.closeIssue(issue.project, issue.iid) : Status(noted.error());
  if (!closed) {
    // The rotation itself succeeded; a tracking-issue failure is reported, not undone.
    run.mark(kStepIssue, StepState::kFailed, closed.error().message);
    audit(run, "issue", "error", {{"error", closed.error().message}});
    return;
  }
  run.mark(kStepIssue, StepState::kDone);
  audit(run, "issue", "ok", {{"issue", fmt::format("{}#{}", issue.project, issue.iid)}});
}

}  // namespace patbot::handlers
