#include "bot/socket_mode_envelopes.h"

#include <spdlog/spdlog.h>

#include "core/request_context.h"
#include "slack/interaction_payload.h"
#include "slack/slash_command.h"

namespace patbot {
namespace {

// A metric label from a remote string: the known types, else "other" (bounded cardinality).
std::string typeLabel(const std::string& type) {
  return type == "slash_commands" || type == "interactive" || type == "events_api" ? type : "other";
}

}  // namespace

SocketModeEnvelopes::SocketModeEnvelopes(CommandService& commands, MetricsRegistry& metrics, const Clock& clock)
    : commands_(commands), metrics_(metrics), clock_(clock) {
  metrics_.declareCounter("patbot_socket_envelopes_total",
                          "Socket Mode envelopes received, by type and outcome (handled, duplicate, invalid, ignored).");
}

std::optional<std::string> SocketModeEnvelopes::previousAck(const std::string& envelopeId) {
  std::unique_lock lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  while (!order_.empty() && now - order_.front().first > kRemember) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
  while (!withAck_.empty() && now - withAck_.front().first > kRememberAck) {
    if (auto old = seen_.find(withAck_.front().second); old != seen_.end()) {
      old->second.ack = slack::socketAck(old->first);
    }
    withAck_.pop_front();
  }
  auto it = seen_.find(envelopeId);
  if (it == seen_.end()) {
    seen_.emplace(envelopeId, Seen{});
    order_.emplace_back(now, envelopeId);
    return std::nullopt;
  }
  // A copy: answer as the first one did, once it has. When it is still running past the wait,
  // a bare ack stops Slack's redelivery; the first copy's answer still reaches the user.
  done_.wait_for(lock, kCopyWait, [&] { return seen_.count(envelopeId) == 0 || seen_[envelopeId].done; });
  auto again = seen_.find(envelopeId);
  if (again != seen_.end() && again->second.done) return again->second.ack;
  return slack::socketAck(envelopeId);
}

void SocketModeEnvelopes::remember(const std::string& envelopeId, const std::string& ack) {
  {
    std::lock_guard lock(mutex_);
    auto it = seen_.find(envelopeId);
    if (it != seen_.end()) {
      it->second = Seen{true, ack};
      withAck_.emplace_back(std::chrono::steady_clock::now(), envelopeId);
    }
  }
  done_.notify_all();
}

SocketAnswer SocketModeEnvelopes::handle(const slack::SocketFrame& envelope) {
  std::string requestId = newRequestId();
  RequestScope scope(requestId);
  if (auto previous = previousAck(envelope.envelopeId)) {
    spdlog::info("Socket Mode envelope of type {} delivered again (retry_attempt {}, {}): acknowledged, not run twice",
                 envelope.type, envelope.retryAttempt, envelope.retryReason.empty() ? "-" : envelope.retryReason);
    metrics_.inc("patbot_socket_envelopes_total", {{"type", typeLabel(envelope.type)}, {"outcome", "duplicate"}});
    SocketAnswer copy;
    copy.ack = *previous;
    return copy;
  }
  SocketAnswer answer = dispatch(envelope, requestId);
  remember(envelope.envelopeId, answer.ack);
  return answer;
}

void SocketModeEnvelopes::deliverLate(const SocketAnswer& answer) {
  if (!answer.reply || answer.responseUrl.empty()) return;
  commands_.deliver(answer.responseUrl, answer.channelId, answer.arrivedAt, {*answer.reply});
}

SocketAnswer SocketModeEnvelopes::dispatch(const slack::SocketFrame& envelope, const std::string& requestId) {
  const std::string& id = envelope.envelopeId;
  SocketAnswer answer;
  answer.arrivedAt = clock_.now();
  answer.ack = slack::socketAck(id);
  auto counted = [&](const char* outcome) {
    metrics_.inc("patbot_socket_envelopes_total", {{"type", typeLabel(envelope.type)}, {"outcome", outcome}});
  };
  if (envelope.type == "slash_commands") {
    auto command = slack::parseSlashCommandJson(envelope.payload);
    if (!command) {
      spdlog::warn("Socket Mode slash command without the fields patbot needs: {}", command.error().message);
      counted("invalid");
      return answer;
    }
    spdlog::info("slash command from {} in {} (Socket Mode)", command->userId, command->channelId);
    slack::Message reply = commands_.handle(*command, requestId);
    counted("handled");
    answer.responseUrl = command->responseUrl;
    answer.channelId = command->channelId;
    if (envelope.acceptsResponsePayload) answer.ack = slack::socketAck(id, reply.toAckJson());
    answer.reply = std::move(reply);
    return answer;
  }
  if (envelope.type == "interactive") {
    auto payload = slack::parseInteractionJson(envelope.payload);
    if (!payload) {
      spdlog::warn("Socket Mode interaction with an unreadable payload: {}", payload.error().message);
      counted("invalid");
      return answer;
    }
    spdlog::info("interaction from {} in {} (Socket Mode)", payload->userId, payload->channelId);
    commands_.click(*payload, requestId);
    counted("handled");
    return answer;
  }
  // events_api and anything newer: patbot subscribes to no events; acknowledge so Slack stops.
  spdlog::info("Socket Mode envelope of type {} acknowledged and ignored", envelope.type);
  counted("ignored");
  return answer;
}

}  // namespace patbot
