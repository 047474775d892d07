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
// tokens and stops in kAwaitingDecision (no consumer is ever left holding a revoked token).
// Thread-safe: concurrent rotations of different tokens may run; the journal refuses a second
// rotation of the same token.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/config.h"
#include "core/clock.h"
#include "core/secret.h"
#include "gitlab/gitlab_api.h"
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
};

class NullProgressSink final : public ProgressSink {
 public:
  void show(const RotationProgress&) override {}
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
};

struct RotationPlan {
  gitlab::ServiceAccount account;
  gitlab::AccessToken oldToken;
  gitlab::TokenSpec newSpec;
  std::vector<gitlab::VariableRef> consumers;
  std::optional<PipelineRef> pipeline;
  std::optional<IssueRef> issue;
  bool immediate = false;
  bool reveal = false;
  std::string target() const;            // "ACCOUNT/NAME"
};

struct RotationResult {
  int64_t rotationId = 0;
  storage::RotationState state = storage::RotationState::kPlanned;
  std::optional<gitlab::AccessToken> newToken;
  std::vector<std::string> consumersUpdated;
  std::string pipelineUrl;
  std::string pipelineStatus;
  std::string summary;                   // plain sentence for the announcement
  std::optional<Secret> revealed;        // only with --reveal and no consumers
  bool duplicate = false;                // the same request was already handled
};

struct EngineOptions {
  // Pipeline polling starts at this interval and doubles up to pipelinePollMax.
  std::chrono::seconds pipelinePollInterval{1};
  std::chrono::seconds pipelinePollMax{15};
  std::function<void(std::chrono::milliseconds)> sleep;   // default: real sleep
};

class RotationEngine {
 public:
  RotationEngine(gitlab::GitLabApi& gitlab, storage::RotationJournal& journal, storage::AuditStore& audit,
                 const Clock& clock, const Config& config, EngineOptions options = {});

  // Resolves TOKEN with fresh metadata and checks, without changing anything, that every consumer
  // can be read with the bot's token and the pipeline project exists. Error = a sentence to show.
  Result<RotationPlan> plan(const RotationRequest& request);

  // Runs the plan. Error only when nothing was started (another rotation of the token is running,
  // the journal cannot be written); otherwise the result's state says how far it got.
  Result<RotationResult> execute(const RotationPlan& plan, const RotationRequest& request, ProgressSink& progress);

  // Revokes old tokens whose grace period has passed. Returns one line per token handled.
  std::vector<std::string> runDueRevokes();

  // On start-up: finishes or undoes every rotation the journal shows unfinished (SPEC §5.3).
  // Returns one line per rotation handled, for the notification channel.
  std::vector<std::string> recover();

  // Pipeline polling and step labels are shared with the progress renderers.
  static std::vector<StepView> initialSteps(const RotationPlan& plan);

 private:
  struct Run;
  void audit(const Run& run, const std::string& step, const std::string& outcome, const nlohmann::json& detail = {});
  bool createNewToken(Run& run);
  bool deliver(Run& run);
  bool verify(Run& run);
  bool revokeOld(Run& run, bool scheduleIfGrace);
  void closeIssue(Run& run);
  void rollBackNewToken(Run& run, const std::string& why);
  Result<gitlab::Pipeline> runVerifyPipeline(const PipelineRef& ref, std::string& note);
  std::optional<TokenPolicy> policyFor(const std::string& account, const std::string& name) const;

  gitlab::GitLabApi& gitlab_;
  storage::RotationJournal& journal_;
  storage::AuditStore& audit_;
  const Clock& clock_;
  const Config& config_;
  EngineOptions options_;
};

}  // namespace patbot::handlers
