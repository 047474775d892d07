// TokenOperations: what `/pat rotate`, `/pat revoke` and their buttons do once the dispatcher has
// let them run: show a plan and ask for a confirmation, run a rotation, revoke a token, announce
// the result. The commands (pat_rotate_handler.h, pat_revoke_handler.h) and the buttons
// (rotation_actions.h) are thin shells over it. Who may call what is checked before (the
// dispatcher checks the role and channel and sets CommandRequest::confirmed); nothing here checks
// a user. Thread-safe as far as its parts are (the engine, the stores and the notifier are).
#pragma once

#include <optional>
#include <string>

#include "handlers/command.h"
#include "handlers/rotation_engine.h"
#include "handlers/token_resolver.h"
#include "slack/notifier.h"
#include "storage/confirmation_store.h"

namespace patbot::handlers {

struct RotateArgs {
  std::string token;
  std::optional<int> expiresInDays;
  bool dryRun = false;
  bool immediate = false;
  bool yes = false;
  bool reveal = false;
  std::optional<RotationStrategy> strategy;   // --strategy rotate|replace
};

class TokenOperations {
 public:
  // Borrows everything; all must outlive it. `notifier` shows a rotation's progress as it goes
  // (posts it updates in place, or the response_url). `announcements` carries the results to the
  // channel (patbot serve: the OutboxNotifier, so that Slack failing delays them instead of
  // losing them; pass `notifier` to post them once). `notifyChannel` "" = announce in the
  // request's channel.
  TokenOperations(RotationEngine& engine, gitlab::GitLabApi& gitlab, storage::ConfirmationStore& confirmations,
                  slack::Notifier& notifier, std::string notifyChannel, slack::Notifier& announcements);

  // The dry run, or the plan with Confirm / Cancel (a confirmation of kind "rotate"), or, when
  // `confirmed` (and not a dry run), the rotation itself.
  CommandOutput planOrRun(const RotateArgs& args, bool confirmed, const std::string& actor, const std::string& key,
                          const std::string& channel, const std::string& responseUrl);
  // Runs the rotation at once. `requestKey` dedupes it (the journal answers a second request
  // with the first one's result); `responseUrl` carries the progress when there is no bot token.
  CommandOutput runRotation(const RotateArgs& args, const std::string& actor, const std::string& requestKey,
                            const std::string& channel, const std::string& responseUrl);
  // Revokes TOKEN at once, unless an unfinished rotation owns it.
  CommandOutput runRevoke(const std::string& token, const std::string& actor, const std::string& channel);
  // The question "Revoke …?" with Revoke / Cancel (a confirmation of kind "revoke").
  CommandOutput askToRevoke(const std::string& token, const std::string& actor, const std::string& channel);

  // Posts `message` to the notification channel ("" = `channel`) through `announcements`.
  void announce(const std::string& channel, const slack::Message& message);
  // Where a rotation started in `channel` shows its progress with a bot token.
  std::string progressChannel(const std::string& channel) const;

  RotationEngine& engine() { return engine_; }
  storage::ConfirmationStore& confirmations() { return confirmations_; }
  slack::Notifier& notifier() { return notifier_; }

 private:
  CommandOutput blocked(const RotationPlan& plan);
  // TOKEN against a fresh inventory; the Error is a sentence for the user.
  Result<ResolvedToken> resolve(const std::string& token);

  RotationEngine& engine_;
  gitlab::GitLabApi& gitlab_;
  storage::ConfirmationStore& confirmations_;
  slack::Notifier& notifier_;
  std::string notifyChannel_;
  slack::Notifier& announcements_;
};

// ":x: WHAT: the error's message".
slack::Message errorMessage(const std::string& what, const Error& e);

}  // namespace patbot::handlers
