// The state of one pass of the rotation engine over a rotation (execute() or decide()). Private
// to the engine's translation units.
#pragma once

#include <string>
#include <vector>

#include "handlers/rotation_engine.h"

namespace patbot::handlers {

inline constexpr const char* kStepCreate = "create";
inline constexpr const char* kStepDeliver = "deliver";
inline constexpr const char* kStepCheck = "check";
inline constexpr const char* kStepPipeline = "pipeline";
inline constexpr const char* kStepRevoke = "revoke";
inline constexpr const char* kStepIssue = "issue";
// kRotate only: the one extra rotate of a successor whose value was lost (journal step name).
inline constexpr const char* kStepRotateAgain = "rerotate";

struct RotationEngine::Run {
  const RotationPlan& plan;
  const RotationRequest& request;
  ProgressSink& sink;
  RotationProgress progress;
  std::vector<std::string> keys;       // step key per progress.steps entry
  int64_t id = 0;
  // The replacement; `value` is empty when it is no longer known (decide() after a restart).
  std::optional<gitlab::CreatedToken> created;
  RotationResult result;

  // The new token's expiry as GitLab created it: a refused expiry was retried with an earlier
  // date than the plan's. The plan's when GitLab's answer is not known.
  std::string newExpiry() const {
    if (created && created->token.expiresAt) return formatDate(*created->token.expiresAt);
    return formatDate(plan.newSpec.expiresAt);
  }
  StepView* view(const std::string& key) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &progress.steps[i];
    }
    return nullptr;
  }
  void mark(const std::string& key, StepState state, std::string note = {}) {
    if (auto* v = view(key)) {
      v->state = state;
      if (!note.empty()) v->note = std::move(note);
    }
    sink.show(progress);
  }
  // The step keys in the order initialSteps() lists them.
  static std::vector<std::string> keysFor(const RotationPlan& plan) {
    std::vector<std::string> k{kStepCreate};
    if (plan.immediate && plan.strategy == RotationStrategy::kReplace) k.push_back(kStepRevoke);
    k.push_back(kStepDeliver);
    k.push_back(kStepCheck);
    if (plan.pipeline) k.push_back(kStepPipeline);
    if (!plan.immediate) k.push_back(kStepRevoke);
    if (plan.issue) k.push_back(kStepIssue);
    return k;
  }
};

// A journal write that fails is logged loudly; the GitLab step it describes has already happened
// (or is about to), so stopping half-way would do more harm than an incomplete journal row.
void journaled(const Status& written);
std::string variableLabel(const gitlab::VariableRef& v);
// The plan as the journal recorded it (consumers, pipeline, issue, new expiry), for a rotation
// continued by a decision or by recovery after a restart.
RotationPlan planFromRecord(const storage::RotationRecord& record);
// The owner the journal recorded (kind from the plan; personal for rotations journaled before kinds).
gitlab::TokenOwner ownerOf(const storage::RotationRecord& record);
// Why the old token is already dead, for sentences: "--immediate" or "GitLab's rotate".
std::string oldTokenDiedBy(const RotationPlan& plan);

}  // namespace patbot::handlers
