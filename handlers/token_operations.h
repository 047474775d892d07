// TokenOperations: what `/pat rotate`, `/pat revoke` and their buttons do once the dispatcher has
// let them run: show a plan and ask for a confirmation, run a rotation, revoke a token, announce
// the result. The commands (pat_rotate_handler.h, pat_revoke_handler.h) and the buttons
// (rotation_actions.h) are thin shells over it. Who may call what is checked before (the
// dispatcher checks the role and channel and sets CommandRequest::confirmed); nothing here checks
// a user. Thread-safe as far as its parts are (the engine, the stores and the notifier are).
#pragma once

#include <functional>
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
};

class TokenOperations {
 public:
  // Posts an announcement to a channel (patbot serve queues it in the durable outbox, so that
  // Slack failing delays it instead of losing it).
  using Announcer = std::function<void(const std::string& channel, const slack::Message& message)>;

  // Borrows everything; all must outlive it. `notifyChannel` "" = announce in the request's
  // channel. `announcer` empty = post announcements once with `notifier`.
  TokenOperations(RotationEngine& engine, gitlab::GitLabApi& gitlab, storage::ConfirmationStore& confirmations,
                  slack::Notifier& notifier, std::string notifyChannel, Announcer announcer = {});

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

  // Posts `message` to the notification channel ("" = `channel`).
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
  Announcer announcer_;
};

// ":x: WHAT: the error's message".
slack::Message errorMessage(const std::string& what, const Error& e);

}  // namespace patbot::handlers
