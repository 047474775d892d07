// CommandService: the one door for every Slack request after its signature is checked (step 3 of
// a request's path, DESIGN.md). A slash command or a button click goes through the same steps,
// in this order: find what it names in the CommandRegistry, check the channel (access.channels),
// check the user's role, run a mutating request at most once per Slack trigger_id / click
// (storage::RequestDedupe), let the handler validate it, write the audit row, count it in the
// metrics, hand the slow part to an executor and deliver its messages through the response_url.
// Handlers never check a user, write a request's audit row or talk to the executor.
//
// Audit: a command gets its row at once with the outcome known then (denied, invalid, duplicate,
// ok, or accepted when work follows) and, when work ran, a second row with how it ended (SPEC
// §6). A click gets one row, with its real outcome: denied, invalid, duplicate, unsupported or
// busy at once, else when its work has ended (ok, failed, cancelled, refused, ignored), with the
// token it acted on (target ACCOUNT/NAME, detail.token_id).
//
// Two executors, one per handlers::Lane: `executor` for work that answers within seconds,
// `longExecutor` for work that may wait minutes on GitLab (rotations), so that work never holds
// a worker `/pat status` needs. They may be the same executor only where that does not matter.
// Thread-safe (called concurrently from HTTP threads); never blocks on Slack or GitLab.
#pragma once

#include <string>

#include "bot/command_registry.h"
#include "bot/executor.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "handlers/policy.h"
#include "slack/interaction_payload.h"
#include "slack/message.h"
#include "slack/notifier.h"
#include "slack/slash_command.h"
#include "storage/audit_store.h"
#include "storage/request_dedupe.h"

namespace patbot {

class CommandService {
 public:
  CommandService(const CommandRegistry& registry, const AccessPolicy& access, storage::AuditStore& audit,
                 storage::RequestDedupe& dedupe, Executor& executor, Executor& longExecutor,
                 slack::Notifier& notifier, MetricsRegistry& metrics, const Clock& clock);

  // The immediate reply to a slash command (always a user-level message, never an HTTP error).
  slack::Message handle(const slack::SlashCommand& command, const std::string& requestId);

  // A button click. Returns at once (the HTTP answer is an empty 200); every reply goes through
  // the click's response_url from an executor.
  void click(const slack::InteractionPayload& payload, const std::string& requestId);

  // Delivers a job's messages through the response_url (at most 5 uses within 30 minutes of
  // `arrivedAt`; beyond either, through chat.postMessage when a bot token is configured, else a
  // closing notice).
  void deliver(const std::string& responseUrl, const std::string& channelId, TimePoint arrivedAt,
               const std::vector<slack::Message>& messages);

 private:
  bool allowed(const std::string& userId, handlers::Role role) const;
  void count(const std::string& subcommand, const std::string& outcome);
  void countAction(const std::string& actionId, const std::string& outcome);
  // Answers a click through its response_url from the quick lane (never on the HTTP thread).
  void answerClick(const std::string& requestId, const std::string& responseUrl, slack::Message message);
  // Records `key` as acted on; false when it was before (or, logged, when it cannot be recorded:
  // then the request is refused rather than risk running twice).
  Result<bool> firstTime(const std::string& key);

  const CommandRegistry& registry_;
  const AccessPolicy& access_;
  storage::AuditStore& audit_;
  storage::RequestDedupe& dedupe_;
  Executor& executor_;       // handlers::Lane::kQuick
  Executor& longExecutor_;   // handlers::Lane::kLong
  slack::Notifier& notifier_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
};

}  // namespace patbot
