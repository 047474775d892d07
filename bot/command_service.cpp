#include "bot/command_service.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "slack/block_kit.h"
#include "slack/command_text.h"

namespace patbot {
namespace {

constexpr size_t kResponseUrlUses = 5;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

slack::Message usageReply(const std::string& problem, const CommandSpec& spec) {
  return slack::textMessage(fmt::format(":warning: {}\nUsage: `/pat {}`", problem, spec.usage));
}

}  // namespace

CommandService::CommandService(const CommandRegistry& registry, const AccessPolicy& access,
                               storage::AuditStore& audit, Executor& executor, Executor& longExecutor,
                               slack::Notifier& notifier, MetricsRegistry& metrics, const Clock& clock)
    : registry_(registry), access_(access), audit_(audit), executor_(executor), longExecutor_(longExecutor),
      notifier_(notifier), metrics_(metrics), clock_(clock) {
  metrics_.declareCounter("patbot_commands_total", "Slash commands by subcommand and outcome.");
  metrics_.declareHistogram("patbot_command_duration_seconds",
                            "Time from ack to the last message of a command's background work.",
                            {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120});
}

bool CommandService::channelAllowed(const std::string& channelId) const {
  return access_.channels.empty() || contains(access_.channels, channelId);
}

bool CommandService::allowed(const std::string& userId, handlers::Role role) const {
  bool isOperator = contains(access_.operators, userId) || contains(access_.operators, "*");
  if (role == handlers::Role::kOperator) return isOperator;
  return isOperator || contains(access_.readers, "*") || contains(access_.readers, userId);
}

void CommandService::count(const std::string& subcommand, const std::string& outcome) {
  metrics_.inc("patbot_commands_total", {{"subcommand", subcommand}, {"outcome", outcome}});
}

slack::Message CommandService::handle(const slack::SlashCommand& command, const std::string& requestId) {
  storage::AuditRecord record;
  record.actor = command.userId;
  record.requestId = requestId;
  record.detail = {{"channel", command.channelId}, {"command", command.command}};

  bool auditFailed = false;
  auto audited = [&](const std::string& outcome, slack::Message reply) {
    record.outcome = outcome;
    auto appended = audit_.append(record);
    if (!appended) {
      auditFailed = true;
      spdlog::error("audit append failed, refusing the request: {}", appended.error().detail);
      count(record.action.substr(record.action.find('.') + 1), "audit_failed");
      return slack::textMessage(
          ":x: patbot cannot write its audit trail right now (" + appended.error().message +
          "), so it did nothing. Please try again in a minute; if it keeps failing, tell the patbot operators "
          "(request " + requestId + ").");
    }
    return reply;
  };

  auto words = slack::splitArguments(command.text);
  if (!words) {
    record.action = "command.invalid";
    count("invalid", "invalid");
    return audited("invalid", slack::textMessage(":warning: " + words.error().message +
                                                 "\nTry `/pat help`."));
  }
  std::string sub = words->empty() ? "help" : (*words)[0];
  std::vector<std::string> args;
  if (words->size() > 1) args.assign(words->begin() + 1, words->end());
  record.action = "command." + sub;
  record.detail["args"] = args.size();

  const CommandSpec* spec = registry_.find(sub);
  if (!spec) {
    record.action = "command.unknown";
    record.detail["subcommand"] = sub.substr(0, 64);
    count("unknown", "invalid");
    std::string known;
    for (const auto& n : registry_.names()) known += (known.empty() ? "" : ", ") + ("`" + n + "`");
    return audited("invalid", slack::textMessage(fmt::format(
                                  ":warning: Unknown subcommand `{}`. Available: {}. Try `/pat help`.",
                                  slack::escapeMrkdwn(sub.substr(0, 64)), known)));
  }
  if (!channelAllowed(command.channelId)) {
    count(sub, "denied");
    record.detail["reason"] = "channel";
    return audited("denied", slack::textMessage(
                                 ":no_entry: `/pat` is not enabled in this channel. Ask the patbot "
                                 "operators to add it to `channels` in the policy file."));
  }
  if (!allowed(command.userId, spec->role)) {
    count(sub, "denied");
    record.detail["reason"] = std::string("role:") + handlers::roleName(spec->role);
    return audited("denied", slack::textMessage(fmt::format(
                                 ":no_entry: `/pat {}` needs the *{}* role, which you do not have. Ask the "
                                 "patbot operators to add your Slack user id (`{}`) to `{}s` in the policy file.",
                                 sub, handlers::roleName(spec->role), command.userId,
                                 handlers::roleName(spec->role))));
  }

  handlers::CommandRequest request{requestId, command.userId, command.channelId, args, command.responseUrl,
                                   command.triggerId};
  auto prepared = spec->handler->prepare(request);
  if (!prepared) {
    count(sub, "invalid");
    record.detail["error"] = prepared.error().message;
    return audited("invalid", usageReply(prepared.error().message, *spec));
  }
  record.target = prepared->target;
  if (!prepared->work) {
    count(sub, "ok");
    return audited("ok", prepared->ack);
  }

  auto reply = audited("accepted", prepared->ack);
  if (auditFailed) return reply;
  auto started = clock_.now();
  Executor& lane = prepared->lane == handlers::Lane::kLong ? longExecutor_ : executor_;
  bool queued = lane.post(requestId, [this, sub, work = prepared->work, responseUrl = command.responseUrl,
                                      channel = command.channelId, actor = command.userId, requestId,
                                      target = prepared->target, started] {
    auto output = work();
    deliver(responseUrl, channel, output.messages);
    double seconds = std::chrono::duration<double>(clock_.now() - started).count();
    metrics_.observe("patbot_command_duration_seconds", {{"subcommand", sub}}, seconds);
    count(sub, output.outcome);
    storage::AuditRecord done;
    done.actor = actor;
    done.action = "command." + sub;
    done.target = target;
    done.outcome = output.outcome;
    done.requestId = requestId;
    done.detail = {{"detail", output.detail}, {"duration_ms", static_cast<int64_t>(seconds * 1000)}};
    if (auto r = audit_.append(done); !r) spdlog::error("audit append failed: {}", r.error().detail);
    spdlog::info("command {} finished: {} in {:.0f} ms", sub, output.outcome, seconds * 1000);
  });
  if (!queued) {
    count(sub, "busy");
    return slack::textMessage(":hourglass: patbot is busy with other requests; please try again in a minute.");
  }
  return reply;
}

void CommandService::deliver(const std::string& responseUrl, const std::string& channelId,
                             const std::vector<slack::Message>& messages) {
  size_t viaUrl = messages.size() <= kResponseUrlUses ? messages.size() : kResponseUrlUses - 1;
  for (size_t i = 0; i < viaUrl; ++i) {
    if (auto r = notifier_.respond(responseUrl, messages[i]); !r) {
      spdlog::warn("could not deliver a reply through the response_url: {}", r.error().message);
      return;
    }
  }
  for (size_t i = viaUrl; i < messages.size(); ++i) {
    if (auto r = notifier_.post(channelId, messages[i]); !r) {
      spdlog::warn("could not post part {} of {}: {}", i + 1, messages.size(), r.error().message);
      auto notice = slack::textMessage(fmt::format(
          ":information_source: {} more part(s) of this answer could not be shown ({}). Narrow it with a "
          "QUERY or `--expiring DAYS`.",
          messages.size() - i, r.error().message));
      if (auto n = notifier_.respond(responseUrl, notice); !n) {
        spdlog::warn("could not deliver the truncation notice: {}", n.error().message);
      }
      return;
    }
  }
}

}  // namespace patbot
