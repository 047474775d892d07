// The buttons of patbot's messages (registered in bot/app.cpp with the role they need):
//   Confirm / Cancel of a rotation plan or a revoke question (kConfirmAction, kCancelAction; the
//   value is the confirmation id), the decision buttons of a stopped rotation
//   (kDecisionActionPrefix + decisionName(); the value is the rotation id), and the Rotate button
//   of the watcher's digest (kDigestRotateAction; the value is the token id).
// The dispatcher has checked the channel and the clicker's role before prepare(). Clicking twice
// does nothing the second time (a confirmation is used once; a decision is claimed in the
// journal); a button whose confirmation or rotation is gone, finished or unknown gets an
// explanation, outcome "ignored", and changes nothing. Each message a click's work returns says
// whether it replaces the message that carried the button (Message::replaceOriginal).
#pragma once

#include <string>
#include <vector>

#include "handlers/command.h"
#include "handlers/token_operations.h"

namespace patbot::handlers {

// Confirm: runs what the confirmation holds (a rotation or a revoke), once.
class ConfirmAction final : public Action {
 public:
  explicit ConfirmAction(TokenOperations& operations) : ops_(operations) {}
  Result<PreparedAction> prepare(const ActionRequest& request) override;

 private:
  TokenOperations& ops_;
};

// Cancel: closes the confirmation; nothing else changes.
class CancelAction final : public Action {
 public:
  explicit CancelAction(TokenOperations& operations) : ops_(operations) {}
  Result<PreparedAction> prepare(const ActionRequest& request) override;

 private:
  TokenOperations& ops_;
};

// Retry / Roll back / Revoke old anyway / Abandon of a rotation awaiting a decision.
class DecisionAction final : public Action {
 public:
  explicit DecisionAction(TokenOperations& operations) : ops_(operations) {}
  Result<PreparedAction> prepare(const ActionRequest& request) override;
  // Every action id this class answers (one per Decision).
  static std::vector<std::string> actionIds();

 private:
  TokenOperations& ops_;
};

// The digest's Rotate: the rotation plan with Confirm / Cancel, as `/pat rotate TOKEN` shows it.
class DigestRotateAction final : public Action {
 public:
  explicit DigestRotateAction(TokenOperations& operations) : ops_(operations) {}
  Result<PreparedAction> prepare(const ActionRequest& request) override;

 private:
  TokenOperations& ops_;
};

}  // namespace patbot::handlers
