// `/pat rotate TOKEN [--expires-in DAYS] [--dry-run] [--immediate] [--yes] [--reveal]` and the
// Confirm / Cancel buttons of its plan; `/pat revoke TOKEN [--yes]`. Operators only (the router
// checks the role of the command; confirm() re-checks the clicker, SPEC §3).
#pragma once

#include <functional>
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

// Error kInvalidInput naming the bad flag or value.
Result<RotateArgs> parseRotateArgs(const std::vector<std::string>& args);

struct ClickContext {
  std::string userId;
  std::string channelId;
  std::string responseUrl;
  std::string actionId;
  std::string value;        // the confirmation id
  std::string requestId;
};

class PatRotateHandler final : public Command {
 public:
  // Posts an announcement to a channel (patbot serve queues it in the durable outbox, so that
  // Slack failing delays it instead of losing it).
  using Announcer = std::function<void(const std::string& channel, const slack::Message& message)>;

  // `isOperator` re-authorises whoever clicks Confirm. `notifyChannel` "" = the command's channel.
  // `announcer` empty = post announcements once with `notifier`.
  PatRotateHandler(RotationEngine& engine, gitlab::GitLabApi& gitlab, storage::ConfirmationStore& confirmations,
                   slack::Notifier& notifier, std::function<bool(const std::string&)> isOperator,
                   std::string notifyChannel, Announcer announcer = {});

  Result<Prepared> prepare(const CommandRequest& request) override;

  // Handles a click on one of patbot's buttons (runs on a background thread; answers through the
  // click's response_url): Confirm / Cancel of a plan, the decision buttons of a stopped rotation
  // (kDecisionActionPrefix…), the digest's Rotate (kDigestRotateAction). Only operators may press
  // anything but Cancel. Clicking twice does nothing the second time; a button whose rotation or
  // confirmation is gone, finished or unknown gets an explanation and changes nothing.
  void onClick(const ClickContext& click);
  // True when `actionId` is one onClick() handles.
  static bool handles(const std::string& actionId);

  static constexpr const char* kUsage = "rotate TOKEN [--expires-in DAYS] [--dry-run] [--immediate] [--yes] [--reveal]";

  // The revoke subcommand shares the confirmation flow.
  class Revoke;

 private:
  // Dry run, or the plan with Confirm / Cancel, or (with --yes) the rotation itself.
  CommandOutput planOrRun(const RotateArgs& args, const std::string& actor, const std::string& key,
                          const std::string& channel, const std::string& responseUrl);
  CommandOutput blocked(const RotationPlan& plan);
  void onDecision(const ClickContext& click);
  void onDigestRotate(const ClickContext& click);
  void answer(const ClickContext& click, slack::Message m, bool replaceOriginal);
  // `responseUrl` carries the progress when there is no bot token (SlackProgressSink).
  CommandOutput runRotation(const RotateArgs& args, const std::string& actor, const std::string& requestKey,
                            const std::string& channel, const std::string& responseUrl);
  CommandOutput runRevoke(const std::string& token, const std::string& actor, const std::string& channel);
  void announce(const std::string& channel, const slack::Message& message);
  // TOKEN against a fresh inventory; the Error is a sentence for the user.
  Result<ResolvedToken> resolve(const std::string& token);

  RotationEngine& engine_;
  gitlab::GitLabApi& gitlab_;
  storage::ConfirmationStore& confirmations_;
  slack::Notifier& notifier_;
  std::function<bool(const std::string&)> isOperator_;
  std::string notifyChannel_;
  Announcer announcer_;
};

class PatRotateHandler::Revoke final : public Command {
 public:
  explicit Revoke(PatRotateHandler& owner) : owner_(owner) {}
  Result<Prepared> prepare(const CommandRequest& request) override;
  static constexpr const char* kUsage = "revoke TOKEN [--yes]";

 private:
  PatRotateHandler& owner_;
};

}  // namespace patbot::handlers
