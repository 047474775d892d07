// The shape every /pat subcommand handler has. A handler is split in two so the 3-second ack
// never waits for GitLab: prepare() validates arguments synchronously (cheap, no I/O) and returns
// the ephemeral acknowledgement plus the work to run in the background; the work returns the
// messages to post through the request's response_url.
#pragma once

#include <functional>
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
};

// What a background job produced: the messages to deliver, and how the audit trail should
// record the outcome.
struct CommandOutput {
  std::vector<slack::Message> messages;
  std::string outcome = "ok";          // "ok" or "error"
  std::string detail;                  // short, for the audit row (never a secret)
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

}  // namespace patbot::handlers
