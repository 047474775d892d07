// The shapes of what Slack sends patbot: a /pat subcommand (Command) and a click on one of its
// buttons (Action). Both are split in two so the 3-second ack never waits for GitLab: prepare()
// validates synchronously (cheap, no I/O) and returns the work to run in the background; the work
// returns the messages to post through the request's response_url. Who may run what (role,
// channel), the audit row, metrics, the executor and delivery belong to the dispatcher
// (bot/command_service.h), never to a handler.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "slack/message.h"

namespace patbot::handlers {

enum class Role { kReader, kOperator };

inline const char* roleName(Role role) { return role == Role::kOperator ? "operator" : "reader"; }

struct CommandRequest {
  std::string requestId;
  std::string actor;        // Slack user id, "cli:<login>" or "watcher"
  std::string channelId;
  std::vector<std::string> args;   // arguments after the subcommand, quotes already removed
  std::string responseUrl;         // "" outside Slack
  std::string triggerId;           // Slack's per-invocation id: the dedupe key of a mutating command
  // Set by the dispatcher, never by a handler: the command is registered as mutating and the
  // requester passed --yes, so its work may change GitLab without asking for a confirmation.
  // Without it a mutating command may only show what it would do and ask (Confirm / Cancel).
  bool confirmed = false;
};

// What a background job produced: the messages to deliver, and how the audit trail should
// record the outcome.
struct CommandOutput {
  std::vector<slack::Message> messages;
  // Commands: "ok", "error" or "refused". Actions: "ok", "failed", "cancelled", "refused" or
  // "ignored" (the button's confirmation or rotation is gone, finished or already used).
  std::string outcome = "ok";
  std::string detail;                  // short, for the audit row (never a secret)
  std::string target;                  // "ACCOUNT/NAME" once known; "" keeps the prepared target
  std::optional<int64_t> tokenId;      // the token acted on: the audit row's detail.token_id
  // Run by the dispatcher after `messages` are delivered, on the same worker (e.g. the channel
  // announcement, so the requester hears first). Empty when there is nothing more.
  std::function<void()> followUp;
};

// Where a command's background work runs. kQuick: the command lane, whose few workers answer
// `/pat status`, `audit` and the like within seconds. kLong: work that may wait minutes on GitLab
// (a rotation polling its verify pipeline, up to rotation.verify_timeout_minutes); it runs on a
// lane of its own, so however many of them wait, the quick commands still get a worker.
enum class Lane { kQuick, kLong };

struct Prepared {
  slack::Message ack;                              // the immediate ephemeral reply
  std::function<CommandOutput()> work;             // empty when there is nothing more to do
  std::string target;                              // audit target ("" when none)
  Lane lane = Lane::kQuick;                        // where `work` runs
};

class Command {
 public:
  virtual ~Command() = default;
  // Fast and side-effect free. Error kind kInvalidInput carries a message shown to the user
  // together with the subcommand's usage.
  virtual Result<Prepared> prepare(const CommandRequest& request) = 0;
};

// A click on one of patbot's buttons, after the dispatcher has checked the channel and the
// clicker's role.
struct ActionRequest {
  std::string requestId;
  std::string actor;         // the clicker's Slack user id
  std::string channelId;
  std::string actionId;
  std::string value;         // the button's value: a confirmation id, rotation id or token id
  std::string responseUrl;
};

struct PreparedAction {
  std::function<CommandOutput()> work;   // never empty
  std::string target;                    // audit target until the work names the token
  Lane lane = Lane::kQuick;
};

class Action {
 public:
  virtual ~Action() = default;
  // Fast and side-effect free. Error kInvalidInput: the value is not one this button carries;
  // its message is shown to the clicker and nothing runs.
  virtual Result<PreparedAction> prepare(const ActionRequest& request) = 0;
};

}  // namespace patbot::handlers
