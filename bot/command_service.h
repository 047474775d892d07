// CommandService: step 3 of a request's path (DESIGN.md). Takes a verified, parsed slash
// command and returns the ephemeral acknowledgement within milliseconds: it splits the text,
// finds the subcommand, checks the user's role and channel, writes the audit row, and hands the
// slow part to an executor, whose result goes to the response_url. It never sees a socket.
// Two executors, one per handlers::Lane: `executor` for work that answers within seconds,
// `longExecutor` for work that may wait minutes on GitLab (rotations), so that work never holds
// a worker `/pat status` needs. They may be the same executor only where that does not matter.
// Thread-safe (called concurrently from HTTP threads).
#pragma once

#include <string>

#include "bot/command_registry.h"
#include "bot/config.h"
#include "bot/executor.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "slack/message.h"
#include "slack/notifier.h"
#include "slack/slash_command.h"
#include "storage/audit_store.h"

namespace patbot {

class CommandService {
 public:
  CommandService(const CommandRegistry& registry, const AccessPolicy& access, storage::AuditStore& audit,
                 Executor& executor, Executor& longExecutor, slack::Notifier& notifier, MetricsRegistry& metrics,
                 const Clock& clock);

  // The immediate reply to a slash command (always a user-level message, never an HTTP error).
  slack::Message handle(const slack::SlashCommand& command, const std::string& requestId);

  // Delivers a job's messages through the response_url (at most 5 uses; beyond that, through
  // chat.postMessage when a bot token is configured, else a closing notice).
  void deliver(const std::string& responseUrl, const std::string& channelId,
               const std::vector<slack::Message>& messages);

 private:
  bool allowed(const std::string& userId, handlers::Role role) const;
  bool channelAllowed(const std::string& channelId) const;
  void count(const std::string& subcommand, const std::string& outcome);

  const CommandRegistry& registry_;
  const AccessPolicy& access_;
  storage::AuditStore& audit_;
  Executor& executor_;       // handlers::Lane::kQuick
  Executor& longExecutor_;   // handlers::Lane::kLong
  slack::Notifier& notifier_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
};

}  // namespace patbot
