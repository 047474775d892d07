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
constexpr auto kResponseUrlLifetime = std::chrono::minutes(30);

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

slack::Message usageReply(const std::string& problem, const CommandSpec& spec) {
  return slack::textMessage(fmt::format(":warning: {}\nUsage: `/pat {}`", problem, spec.usage));
}

}  // namespace

CommandService::CommandService(const CommandRegistry& registry, const AccessPolicy& access,
                               storage::AuditStore& audit, storage::RequestDedupe& dedupe, Executor& executor,
                               Executor& longExecutor, slack::Notifier& notifier, MetricsRegistry& metrics,
                               const Clock& clock)
    : registry_(registry), access_(access), audit_(audit), dedupe_(dedupe), executor_(executor),
      longExecutor_(longExecutor), notifier_(notifier), metrics_(metrics), clock_(clock) {
  metrics_.declareCounter("patbot_commands_total", "Slash commands by subcommand and outcome.");
  metrics_.declareCounter("patbot_actions_total", "Button clicks by action and outcome.");
  metrics_.declareHistogram("patbot_command_duration_seconds",
                            "Time from ack to the last message of a command's background work.",
                            {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120});
}

bool CommandService::allowed(const std::string& userId, handlers::Role role) const {
  return role == handlers::Role::kOperator ? access_.isOperator(userId) : access_.isReader(userId);
}

void CommandService::count(const std::string& subcommand, const std::string& outcome) {
  metrics_.inc("patbot_commands_total", {{"subcommand", subcommand}, {"outcome", outcome}});
}

void CommandService::countAction(const std::string& actionId, const std::string& outcome) {
  metrics_.inc("patbot_actions_total", {{"action", actionId}, {"outcome", outcome}});
}

Result<bool> CommandService::firstTime(const std::string& key) {
  auto first = dedupe_.firstTime(key);
  if (!first) spdlog::error("cannot record the request key, refusing the request: {}", first.error().detail);
  return first;
}

slack::Message CommandService::handle(const slack::SlashCommand& command, const std::string& requestId) {
  const TimePoint arrivedAt = clock_.now();
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
                                  ":warning: Unknown subcommand {}. Available: {}. Try `/pat help`.",
                                  slack::codeSpan(sub.substr(0, 64)), known)));
  }
  if (!access_.allowsChannel(command.channelId)) {
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
  // A mutating command changes GitLab only when asked with --yes, and then once per trigger_id.
  request.confirmed = spec->mutates && contains(args, "--yes");
  if (request.confirmed && !command.triggerId.empty()) {
    auto first = firstTime("trigger:" + command.triggerId);
    if (!first || !*first) {
      std::string outcome = first ? "duplicate" : "error";
      count(sub, outcome);
      record.detail["reason"] = first ? "trigger_id already handled" : first.error().message;
      return audited(outcome, slack::textMessage(
                                  first ? std::string(":information_source: This request was already handled: Slack "
                                                      "delivered it more than once, and patbot runs it once.")
                                        : ":x: patbot cannot record this request right now (" + first.error().message +
                                              "), so it did nothing. Please try again in a minute (request " +
                                              requestId + ")."));
    }
  }
  auto prepared = spec->handler->prepare(request);
  if (!prepared) {
    count(sub, "invalid");
    record.detail["error"] = prepared.error().message;
    return audited("invalid", usageReply(slack::escapeText(prepared.error().message), *spec));
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
                                      target = prepared->target, started, arrivedAt] {
    auto output = work();
    deliver(responseUrl, channel, arrivedAt, output.messages);
    if (output.followUp) output.followUp();
    double seconds = std::chrono::duration<double>(clock_.now() - started).count();
    metrics_.observe("patbot_command_duration_seconds", {{"subcommand", sub}}, seconds);
    count(sub, output.outcome);
    storage::AuditRecord done;
    done.actor = actor;
    done.action = "command." + sub;
    done.target = output.target.empty() ? target : output.target;
    done.outcome = output.outcome;
    done.requestId = requestId;
    done.detail = {{"detail", output.detail}, {"duration_ms", static_cast<int64_t>(seconds * 1000)}};
    if (output.tokenId) done.detail["token_id"] = *output.tokenId;
    if (auto r = audit_.append(done); !r) spdlog::error("audit append failed: {}", r.error().detail);
    spdlog::info("command {} finished: {} in {:.0f} ms", sub, output.outcome, seconds * 1000);
  });
  if (!queued) {
    count(sub, "busy");
    return slack::textMessage(":hourglass: patbot is busy with other requests; please try again in a minute.");
  }
  return reply;
}

void CommandService::answerClick(const std::string& requestId, const std::string& responseUrl,
                                 slack::Message message) {
  if (responseUrl.empty()) return;
  bool queued = executor_.post(requestId, [this, responseUrl, message = std::move(message)] {
    if (auto r = notifier_.respond(responseUrl, message); !r) {
      spdlog::warn("could not answer the click: {}", r.error().message);
    }
  });
  if (!queued) spdlog::warn("executor full, the answer to a click was dropped");
}

void CommandService::click(const slack::InteractionPayload& payload, const std::string& requestId) {
  const TimePoint arrivedAt = clock_.now();
  const std::string actionId =
      payload.actions.empty() ? std::string("none") : payload.actions[0].actionId.substr(0, 255);
  storage::AuditRecord record;
  record.actor = payload.userId;
  record.action = "interaction." + actionId;
  record.requestId = requestId;
  record.detail = {{"type", payload.type}, {"channel", payload.channelId}};
  const ActionSpec* spec = payload.actions.empty() ? nullptr : registry_.findAction(actionId);
  const std::string label = spec ? actionId : std::string("unknown");   // bounded metric labels

  // Ends the click here: one audit row with `outcome`, and `reply` to the clicker (if any).
  auto finish = [&](const std::string& outcome, const std::string& reason, std::optional<slack::Message> reply) {
    record.outcome = outcome;
    if (!reason.empty()) record.detail["reason"] = reason;
    countAction(label, outcome);
    if (auto r = audit_.append(record); !r) spdlog::error("audit append failed: {}", r.error().detail);
    if (reply) answerClick(requestId, payload.responseUrl, std::move(*reply));
  };

  if (!spec) {
    spdlog::info("interaction {} from {} has no handler", record.action, payload.userId);
    return finish("unsupported", "", slack::textMessage(
                                         ":information_source: patbot does not know this button: it is not handled by this "
                                         "version of patbot. Nothing was changed."));
  }
  if (!access_.allowsChannel(payload.channelId)) {
    return finish("denied", "channel", slack::textMessage(
                                           ":no_entry: patbot's buttons are not enabled in this channel. Ask the "
                                           "patbot operators to add it to `channels` in the policy file. Nothing was "
                                           "changed."));
  }
  if (!allowed(payload.userId, spec->role)) {
    return finish("denied", std::string("role:") + handlers::roleName(spec->role),
                  slack::textMessage(fmt::format(
                      ":no_entry: Only {} can use this button; <@{}> is not one. Nothing was changed. Ask the patbot "
                      "operators to add your Slack user id (`{}`) to `{}s` in the policy file.",
                      spec->role == handlers::Role::kOperator ? "operators" : "readers and operators",
                      payload.userId, payload.userId, handlers::roleName(spec->role))));
  }
  const auto& action = payload.actions[0];
  if (spec->mutates && !action.actionTs.empty()) {
    // Slack's (container.message_ts, action_ts) names one click; a second delivery of it is
    // audited and dropped without an answer (the first one answers).
    auto first = firstTime("click:" + payload.containerMessageTs + ":" + action.actionTs + ":" + actionId);
    if (!first) {
      return finish("error", first.error().message,
                    slack::textMessage(":x: patbot cannot record this click right now, so it did nothing. Please "
                                       "try again in a minute (request " + requestId + ")."));
    }
    if (!*first) return finish("duplicate", "click already handled", std::nullopt);
  }

  handlers::ActionRequest request{requestId, payload.userId, payload.channelId, actionId, action.value,
                                  payload.responseUrl};
  auto prepared = spec->handler->prepare(request);
  if (!prepared) {
    spdlog::warn("click {} with a value patbot does not know: {}", actionId, prepared.error().message);
    return finish("invalid", prepared.error().message,
                  slack::textMessage(":information_source: patbot does not know this button (" +
                                     slack::escapeText(prepared.error().message) + "); nothing was changed."));
  }
  record.target = prepared->target;
  Executor& lane = prepared->lane == handlers::Lane::kLong ? longExecutor_ : executor_;
  bool queued = lane.post(requestId, [this, record, label, work = prepared->work, responseUrl = payload.responseUrl,
                                      channel = payload.channelId, arrivedAt]() mutable {
    auto output = work();
    deliver(responseUrl, channel, arrivedAt, output.messages);
    if (output.followUp) output.followUp();
    double seconds = std::chrono::duration<double>(clock_.now() - arrivedAt).count();
    record.outcome = output.outcome;
    if (!output.target.empty()) record.target = output.target;
    if (output.tokenId) record.detail["token_id"] = *output.tokenId;
    if (!output.detail.empty()) record.detail["detail"] = output.detail;
    record.detail["duration_ms"] = static_cast<int64_t>(seconds * 1000);
    countAction(label, output.outcome);
    if (auto r = audit_.append(record); !r) spdlog::error("audit append failed: {}", r.error().detail);
    spdlog::info("click {} finished: {} in {:.0f} ms", label, output.outcome, seconds * 1000);
  });
  if (!queued) {
    finish("busy", "executor full",
           slack::textMessage(":hourglass: patbot is busy with other requests; nothing was changed. Please try "
                              "again in a minute."));
  }
}

void CommandService::deliver(const std::string& responseUrl, const std::string& channelId, TimePoint arrivedAt,
                             const std::vector<slack::Message>& messages) {
  // Slack honours a response_url 5 times within 30 minutes of the request (reference/slack-api.md
  // §3); after that only chat.postMessage (with a bot token) still reaches anyone.
  const bool urlExpired = responseUrl.empty() || clock_.now() - arrivedAt >= kResponseUrlLifetime;
  size_t viaUrl = urlExpired ? 0 : messages.size() <= kResponseUrlUses ? messages.size() : kResponseUrlUses - 1;
  if (urlExpired && !messages.empty()) {
    spdlog::info("the response_url of this request has expired; posting the answer with chat.postMessage");
  }
  for (size_t i = 0; i < viaUrl; ++i) {
    if (auto r = notifier_.respond(responseUrl, messages[i]); !r) {
      spdlog::warn("could not deliver a reply through the response_url: {}", r.error().message);
      return;
    }
  }
  for (size_t i = viaUrl; i < messages.size(); ++i) {
    if (auto r = notifier_.post(channelId, messages[i]); !r) {
      spdlog::warn("could not post part {} of {}: {}", i + 1, messages.size(), r.error().message);
      if (urlExpired) return;
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
