// RotationEngine: the runbook of ROTATION.md as code, shared by Slack (`/pat rotate`), the CLI
// (`patbot rotate`) and, later, the watcher. Order (SPEC §5): create the replacement → write it to
// every consumer → verify (the new token answers /personal_access_tokens/self as active, then the
// verify pipeline succeeds) → revoke the old token (after the grace period) → note on and close the
// tracking issue. `immediate` (a leaked token) revokes the old token right after creating the new.
//
// Every step is journaled (RotationJournal) before and after it runs and audited; the new token's
// value lives only in memory during execute() and is never written anywhere but the consumers.
// Failure rules: a delivery that reached no consumer revokes the new token and leaves the old one
// alone; a delivery that reached some consumers, or a failed/timed-out verification, keeps both
// tokens and stops in kAwaitingDecision (no consumer is ever left holding a revoked token) with
// the decisions that are safe from there (decide(): Retry / Roll back / Revoke old anyway).
// Thread-safe: concurrent rotations of different tokens may run; the journal refuses a second
// rotation of the same token.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/secret.h"
#include "gitlab/gitlab_api.h"
#include "handlers/policy.h"
#include "handlers/rotation_secrets.h"
#include "handlers/tracking_issues.h"
#include "storage/audit_store.h"
#include "storage/rotation_journal.h"

namespace patbot::handlers {

enum class StepState { kPending, kRunning, kDone, kFailed, kSkipped };

struct StepView {
  std::string label;
  StepState state = StepState::kPending;
  std::string note;   // e.g. "id 1234", a pipeline link, an error sentence
};

struct RotationProgress {
  std::string title;
  std::vector<StepView> steps;
};

// Where progress goes: a Slack message updated in place, or terminal lines. Called from the
// thread running execute(); must not throw.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void show(const RotationProgress& progress) = 0;
  // The delivery step of a --reveal rotation (no consumers): shows the new value once, to the
  // requester alone. It runs before anything is revoked, and an Error (the value was not shown)
  // is a failed delivery. The value must not be kept, logged or put anywhere else. The default
  // has no way to show a value.
  virtual Status reveal(const std::string& target, const Secret& value);
};

class NullProgressSink final : public ProgressSink {
 public:
  void show(const RotationProgress&) override {}
};

// What an operator may do with a rotation stopped in kAwaitingDecision.
enum class Decision {
  kRetry,       // continue from the step that stopped (deliver again, verify again, revoke again)
  kRollBack,    // put every consumer's previous value back, then revoke the new token
  kRevokeOld,   // accept the new token without (further) verification: revoke the old one now
  kAbandon,     // close it as failed and change nothing (both tokens stay): the way out when
                // patbot cannot finish by itself, e.g. after a restart lost the new value
};
// "retry", "roll_back", "revoke_old", "abandon"
const char* decisionName(Decision d);
std::optional<Decision> parseDecision(const std::string& name);

// A rotation that is still running or waits for a decision, as the requester of a second
// rotation of the same token must be told (SPEC §5.4).
struct PendingRotation {
  int64_t rotationId = 0;
  storage::RotationState state = storage::RotationState::kPlanned;
  std::string actor;                    // who started it
  std::string startedAt;                // RFC 3339
  std::string stoppedAt;                // for kAwaitingDecision: which step stopped and why
  std::vector<Decision> decisions;      // what is safe to do now (may be empty)
};

struct RotationRequest {
  std::string tokenText;                 // TOKEN as typed
  std::optional<int> expiresInDays;      // --expires-in
  bool dryRun = false;
  bool immediate = false;
  bool reveal = false;
  std::string actor;                     // Slack user id, cli:<login>, watcher
  std::string requestKey;                // dedupe key (trigger_id, confirmation id, cli:<uuid>)
  std::string channelId;
  std::optional<RotationStrategy> strategy;   // --strategy; unset: Policy::strategyFor
};

struct RotationPlan {
  gitlab::TokenOwner account;            // the service account, project or group holding the token
  gitlab::AccessToken oldToken;
  gitlab::TokenSpec newSpec;
  std::vector<gitlab::VariableRef> consumers;
  std::optional<PipelineRef> pipeline;
  std::optional<IssueRef> issue;
  // kRotate: GitLab's rotate replaces the token in one call and the old value dies with it, so
  // `immediate` is set too (every rule for "the old token is already revoked" applies).
  RotationStrategy strategy = RotationStrategy::kReplace;
  bool immediate = false;
  bool reveal = false;
  // Sentences the plan message shows before the steps: the strategy's trade-off, and what
  // patbot's own token may do on a project or group.
  std::vector<std::string> notes;
  // Set by plan() when another rotation of this token is unfinished; execute() would refuse.
  std::optional<PendingRotation> blockedBy;
  std::string target() const;            // "ACCOUNT/NAME", "project PATH · NAME", "group PATH · NAME"
};

struct RotationResult {
  int64_t rotationId = 0;
  storage::RotationState state = storage::RotationState::kPlanned;
  std::optional<gitlab::AccessToken> newToken;
  std::vector<std::string> consumersUpdated;
  std::string pipelineUrl;
  std::string pipelineStatus;
  std::string summary;                   // plain sentence for the announcement
  bool revealed = false;                 // --reveal: the value was shown to the requester
  bool duplicate = false;                // the same request was already handled
  std::vector<Decision> decisions;       // offered when state is kAwaitingDecision
};

// decide()'s answer: the plan rebuilt from the journal (for the messages) and the new result.
struct DecisionOutcome {
  RotationPlan plan;
  RotationResult result;
};

struct EngineOptions {
  // Pipeline polling starts at this interval and doubles up to pipelinePollMax; the engine waits
  // between polls on its clock (Clock::sleepFor).
  std::chrono::seconds pipelinePollInterval{1};
  std::chrono::seconds pipelinePollMax{15};
  // The tracking issues the watcher opened (remembered in SQLite), used when the token's
  // [[token]] entry names none. Borrowed; must outlive the engine. nullptr: none are looked up.
  const TrackingIssues* trackingIssues = nullptr;
  // When set, patbot_rotations_total{outcome} counts every rotation that ends or stops.
  MetricsRegistry* metrics = nullptr;
};

// How a rotation names its token in messages and audit targets: "ACCOUNT/NAME" for a personal
// token (as ever), "project PATH · NAME" / "group PATH · NAME" otherwise (token_naming.h).
std::string tokenTarget(const gitlab::TokenOwner& owner, const std::string& name);

class RotationEngine {
 public:
  RotationEngine(gitlab::GitLabApi& gitlab, storage::RotationJournal& journal, storage::AuditStore& audit,
                 const Clock& clock, const Policy& policy, EngineOptions options = {});

  // Resolves TOKEN with fresh metadata and checks, without changing anything, that every consumer
  // can be read with the bot's token and the pipeline project exists. Error = a sentence to show.
  Result<RotationPlan> plan(const RotationRequest& request);

  // The rotation a request with this key already began, as execute() would report it for a
  // repeat (duplicate = true); nullopt for a new key. Checked before planning, because once
  // the first delivery has rotated the token, a repeat could no longer even plan.
  Result<std::optional<RotationResult>> alreadyHandled(const std::string& requestKey);

  // Runs the plan. Error only when nothing was started (another rotation of the token is running,
  // the journal cannot be written); otherwise the result's state says how far it got.
  Result<RotationResult> execute(const RotationPlan& plan, const RotationRequest& request, ProgressSink& progress);

  // Applies an operator's decision to a rotation in kAwaitingDecision (actor = who clicked).
  // kNotFound for an unknown rotation; kConflict when it is not waiting (finished, or another
  // click got there first); kInvalidInput when the decision is not safe from where it stopped
  // (e.g. Roll back when a previous value is unknown), with a sentence saying why and what to do.
  Result<DecisionOutcome> decide(int64_t rotationId, Decision decision, const std::string& actor, ProgressSink& progress);

  // The unfinished rotation that owns token `tokenId` (as the token it replaces or as the
  // replacement it created), if any: such a token must not be revoked or rotated by anyone else.
  Result<std::optional<PendingRotation>> rotationOwning(int64_t tokenId);

  // Revokes old tokens whose grace period has passed. Returns one line per token handled.
  std::vector<std::string> runDueRevokes();

  // On start-up: finishes or undoes every rotation the journal shows unfinished (SPEC §5.3).
  // Returns one line per rotation handled, for the notification channel.
  std::vector<std::string> recover();

  // Pipeline polling and step labels are shared with the progress renderers.
  static std::vector<StepView> initialSteps(const RotationPlan& plan);

 private:
  struct Run;
  enum class Stage { kDeliver, kVerify, kRevoke };
  void continueFrom(Run& run, Stage stage);
  void stopForDecision(Run& run, const std::string& step, const nlohmann::json& detail);
  // What is safe from `stoppedStep` given the consumers known to hold the new value.
  std::vector<Decision> decisionsFor(int64_t rotationId, const std::string& stoppedStep, bool immediate,
                                     const std::vector<std::string>& updated) const;
  std::optional<PendingRotation> pendingFor(const storage::RotationRecord& record);
  void count(storage::RotationState state);
  // recover() for one rotation; appends a line when it did something.
  void recoverOne(const storage::RotationRecord& record, std::vector<std::string>& lines);
  // recoverOne() for a rotation interrupted while its consumers were being updated or verified.
  // `delivered`: the journal shows every consumer updated.
  void recoverDelivery(const storage::RotationRecord& record, std::vector<std::string>& lines, bool delivered);
  // The ids of tokens that unfinished rotations other than `exceptRotation` own (old or new):
  // searches for orphans of a create by name must never revoke one of them.
  std::set<int64_t> tokensOwnedByOthers(int64_t exceptRotation);
  // Serialises list → create → orphan search per account, so that one rotation's search for an
  // unanswered create never mistakes another rotation's new token for its orphan.
  std::mutex& createMutexFor(int64_t accountId);
  void audit(const Run& run, const std::string& step, const std::string& outcome, const nlohmann::json& detail = {});
  bool createNewToken(Run& run);
  // kRotate: GitLab's rotate of the old token; after an unanswered rotate, the one extra rotate
  // of its successor (rotateSuccessor).
  bool rotateOldToken(Run& run);
  // Rotates `tokenId` (a successor whose value was lost) once more, journaled as "rerotate"
  // before it runs; the new token becomes run.created. False (and the run stopped) on failure.
  bool rotateAgain(Run& run, int64_t tokenId, const std::string& why);
  // Records a token GitLab just created or rotated (journal step `step`) as the run's replacement.
  void acceptNewToken(Run& run, gitlab::CreatedToken created, const std::string& step);
  // recoverOne() for a kRotate rotation: finds what the lost answer made, rotates at most once
  // more with patbot's own token, and delivers.
  void recoverRotation(const storage::RotationRecord& record, std::vector<std::string>& lines);
  bool deliver(Run& run);
  bool reveal(Run& run);
  bool verify(Run& run);
  bool revokeOld(Run& run, bool scheduleIfGrace);
  void closeIssue(Run& run);
  void rollBackNewToken(Run& run, const std::string& why);
  Result<gitlab::Pipeline> runVerifyPipeline(const PipelineRef& ref, std::string& note);

  gitlab::GitLabApi& gitlab_;
  storage::RotationJournal& journal_;
  storage::AuditStore& audit_;
  const Clock& clock_;
  const Policy& policy_;
  EngineOptions options_;
  RotationSecrets secrets_;
  std::mutex createMutexesGuard_;
  std::map<int64_t, std::unique_ptr<std::mutex>> createMutexes_;
};

}  // namespace patbot::handlers
