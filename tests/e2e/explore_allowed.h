// Where the exploration accepts a rotation that ends waiting for a person (end state (c)
// "decision"). Everything not in this table must end untouched or done. Tighten it by deleting
// rows as the engine learns to finish or undo by itself (issue 12: "awaiting a decision remains
// only where the new value truly cannot be recovered").
#pragma once

#include <set>
#include <string>
#include <vector>

#include "tests/e2e/explore_model.h"

namespace patbot::e2e::explore {

enum class EndState {
  kUntouched,          // old token valid, no active new token, consumers on the old one
  kDone,               // new token active in every consumer, old revoked (or its revoke scheduled)
  kDecision,           // old and new active, the rotation in awaiting_decision
  kImmediateDecision,  // --immediate or a rotate strategy: old already revoked, new active, awaiting_decision
  kOther,
};
const char* endStateName(EndState e);

struct AllowedDecision {
  std::string scenarioPrefix;          // "" = every scenario; else a prefix of Scenario::name
  std::set<std::string> steps;         // FaultTarget::step values
  std::set<std::string> actions;       // fault actions
  EndState end;                        // kDecision or kImmediateDecision
  const char* why;
  std::string pathContains = "";       // "" = any call of those steps; else a part of FaultTarget::path
};

inline const std::vector<AllowedDecision>& allowedDecisions() {
  static const std::set<std::string> kAnswered{"500_after", "500_before", "429", "hang"};
  static const std::set<std::string> kKills{"kill_before", "kill_after"};
  static const std::set<std::string> kSlack{"down", "ratelimited", "expired"};
  static const std::vector<AllowedDecision> kTable = {
      {"", {"verify"}, kAnswered, EndState::kDecision,
       "SPEC 5.5: a failed verification keeps both tokens and offers Retry / Roll back / Revoke old anyway"},
      {"two", {"deliver"}, kAnswered, EndState::kDecision,
       "a delivery that reached one of two consumers keeps both tokens for Retry / Roll back (tighten: the "
       "live process still has the value and could finish or undo)"},
      {"immediate", {"deliver"}, kAnswered, EndState::kImmediateDecision,
       "--immediate: the old token is already revoked; the new one is kept for Retry delivery (hole 2)"},
      {"immediate", {"revoke", "deliver"}, kKills, EndState::kImmediateDecision,
       "--immediate crash after the old token was revoked and before a consumer got the new value: the "
       "value is lost (hole 3)"},
      {"decide_", {"decision"}, kAnswered, EndState::kDecision,
       "the decision's own GitLab call failed; the rotation waits for the next decision"},
      {"decide_", {"slack"}, kSlack, EndState::kDecision,
       "the click's answer could not be posted; the decision may not have run"},
      {"decide_roll_back", {"decision"}, {"kill_before"}, EndState::kDecision,
       "a Roll back killed before it restored its first consumer: the previous value (the old token's) is in "
       "no consumer any more and was never stored (README Rotation guarantees, the Roll back row)",
       "/variables/GITLAB_API_TOKEN"},
      {"decide_roll_back", {"decision"}, kKills, EndState::kDecision,
       "a Roll back killed after its click was journaled and before it restored any consumer (reading the "
       "tokens for its message): the same as above; the rotation waits again, unchanged",
       "/personal_access_tokens/"},
  };
  return kTable;
}

// The reason the table gives for ending in `end` after `schedule`, or nullptr when not allowed.
// The fault-free baseline of a decide_* scenario stops in awaiting_decision by design only before
// the click; after it, it must finish.
inline const char* decisionAllowed(const Schedule& schedule, EndState end) {
  if (!schedule.target) return nullptr;
  for (const auto& row : allowedDecisions()) {
    if (row.end != end) continue;
    if (schedule.scenario->name.rfind(row.scenarioPrefix, 0) != 0) continue;
    if (!row.steps.count(schedule.target->step) || !row.actions.count(schedule.action)) continue;
    if (!row.pathContains.empty() && schedule.target->path.find(row.pathContains) == std::string::npos) continue;
    return row.why;
  }
  return nullptr;
}

}  // namespace patbot::e2e::explore
