// The HTTP side of the fake's Socket Mode: the /_fake/socket/* control routes and the Socket Mode
// delivery of /_fake/slash and /_fake/click. Reads request bodies into FakeSocketMode calls and
// shapes their answers; the WebSocket work is in fake_socket_mode.cpp.
#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "sim/fake_slack_state.h"
#include "sim/fake_socket_mode.h"
#include "sim/fake_socket_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr int kMaxRetries = 10;
constexpr int64_t kMaxBurst = 1000000;

http::Response badRequest(const std::string& problem) { return slackJsonResponse(400, {{"error", problem}}); }

// The default close_after_ms of each disconnect reason: Slack closes about 10 s after a warning;
// refresh_requested asks the client to reconnect now; the others end the connection at once.
std::optional<int64_t> defaultCloseAfterMs(const std::string& reason) {
  if (reason == "warning") return 10000;
  if (reason == "refresh_requested") return 3000;
  if (reason == "too_many_websockets" || reason == "link_disabled") return 0;
  return std::nullopt;
}

// An optional non-negative integer field; `problem` is set when present and not one.
std::optional<int64_t> intField(const json& body, const char* key, std::string& problem) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    problem = fmt::format("{} must be a non-negative integer", key);
    return std::nullopt;
  }
  return it->get<int64_t>();
}

bool boolField(const json& body, const char* key) { return body.value(key, json(false)) == json(true); }

std::string timestampNow(const Clock& clock) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count());
}

// connection, duplicate, retries, retry_always: the delivery fields every sending route shares.
std::optional<std::string> readDeliveryFields(const json& body, EnvelopeOrder& order) {
  std::string problem;
  auto connection = intField(body, "connection", problem);
  auto retries = intField(body, "retries", problem);
  if (!problem.empty()) return problem;
  if (retries && *retries > kMaxRetries) return fmt::format("retries must be at most {}", kMaxRetries);
  order.connection = connection;
  order.retries = static_cast<int>(retries.value_or(0));
  order.duplicate = boolField(body, "duplicate");
  order.retryAlways = boolField(body, "retry_always");
  return std::nullopt;
}

// The report of /_fake/slash and /_fake/click (their HTTP shape) plus envelope_id, connection,
// attempts.
http::Response deliveryReport(const DeliveryReport& r, const json& responseUrl, const json& triggerId,
                              const std::string& timestamp) {
  if (!r.problem.empty()) return badRequest(r.problem);
  json out = {{"status", r.acked ? 200 : 0},
              {"content_type", r.acked ? json("application/json") : json(nullptr)},
              {"body", r.payload ? r.payload->dump(-1, ' ', false, json::error_handler_t::replace) : ""},
              {"elapsed_ms", r.elapsedMs},
              {"response_url", responseUrl},
              {"trigger_id", triggerId},
              {"timestamp", timestamp},
              {"error", r.error.empty() ? json(nullptr) : json(r.error)},
              {"envelope_id", r.envelopeId.empty() ? json(nullptr) : json(r.envelopeId)},
              {"connection", r.connection ? json(*r.connection) : json(nullptr)},
              {"attempts", r.attempts}};
  return slackJsonResponse(200, out);
}

http::Response sendEnvelope(FakeSlackState& s, const json& body) {
  EnvelopeOrder order;
  if (auto problem = readDeliveryFields(body, order)) return badRequest(*problem);
  std::string problem;
  auto retryAttempt = intField(body, "retry_attempt", problem);
  if (!problem.empty()) return badRequest(problem);
  order.retryAttempt = static_cast<int>(retryAttempt.value_or(0));
  json payload = body.value("payload", json::object());
  if (body.contains("raw")) {
    if (!body["raw"].is_string()) return badRequest("raw must be a string");
    order.raw = body["raw"].get<std::string>();
  } else {
    if (!body.value("type", json()).is_string()) return badRequest("type must be a string (or give raw)");
    if (!payload.is_object()) return badRequest("payload must be a JSON object");
  }
  order.type = body.value("type", json("")).is_string() ? body.value("type", std::string()) : "";
  order.payloadJson = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  order.acceptsResponsePayload = body.contains("accepts_response_payload") ? boolField(body, "accepts_response_payload")
                                                                           : order.type == "slash_commands";
  order.envelopeId = body.value("envelope_id", json("")).is_string() ? body.value("envelope_id", std::string()) : "";
  order.retryReason = body.value("retry_reason", json("")).is_string() ? body.value("retry_reason", std::string()) : "";
  auto field = [&](const char* key) {
    return payload.is_object() && payload.value(key, json()).is_string() ? payload[key] : json(nullptr);
  };
  DeliveryReport report = s.socket->deliver(order);
  return deliveryReport(report, field("response_url"), field("trigger_id"), timestampNow(s.clock));
}

http::Response disconnect(FakeSlackState& s, const json& body) {
  std::string reason = body.value("reason", json("warning")).is_string() ? body.value("reason", std::string()) : "";
  auto defaultMs = defaultCloseAfterMs(reason);
  if (!defaultMs) return badRequest("reason must be warning, refresh_requested, too_many_websockets or link_disabled");
  std::string problem;
  auto closeAfter = intField(body, "close_after_ms", problem);
  if (!problem.empty()) return badRequest(problem);
  std::optional<int64_t> connection;
  json target = body.value("connection", json("all"));
  if (target.is_number_integer()) {
    connection = target.get<int64_t>();
  } else if (target != json("all")) {
    return badRequest("connection must be a connection id or \"all\"");
  }
  auto result = s.socket->disconnect(connection, reason, std::chrono::milliseconds(closeAfter.value_or(*defaultMs)));
  if (auto* error = std::get_if<std::string>(&result)) return slackJsonResponse(409, {{"error", *error}});
  return slackJsonResponse(200, {{"ok", true},
                                 {"connections", std::get<std::vector<int64_t>>(result)},
                                 {"reason", reason},
                                 {"close_after_ms", closeAfter.value_or(*defaultMs)}});
}

// silence and abort: {"connection": ID}.
http::Response oneConnection(const json& body, const std::function<std::optional<std::string>(int64_t)>& act) {
  json id = body.value("connection", json());
  if (!id.is_number_integer()) return badRequest("connection must be a connection id");
  if (auto error = act(id.get<int64_t>())) return slackJsonResponse(409, {{"error", *error}});
  return slackJsonResponse(200, {{"ok", true}, {"connection", id}});
}

// Pre-builds `count` slash-command envelopes (each with its own response_url and trigger_id)
// under the lock, then runs the burst without it.
http::Response burst(FakeSlackState& s, json body) {
  std::string problem;
  auto count = intField(body, "count", problem);
  auto inFlight = intField(body, "in_flight", problem);
  auto connection = intField(body, "connection", problem);
  auto timeoutMs = intField(body, "timeout_ms", problem);
  if (!problem.empty()) return badRequest(problem);
  if (!count || *count < 1 || *count > kMaxBurst) return badRequest(fmt::format("count must be 1..{}", kMaxBurst));
  if (!body.contains("text")) body["text"] = "help";
  body.erase("trigger_id");  // every envelope mints its own
  std::string userId = body.value("user_id", json("U0ALICE001")).is_string() ? body.value("user_id", std::string()) : "";
  std::string channelId =
      body.value("channel_id", json("C0PATBOT01")).is_string() ? body.value("channel_id", std::string()) : "";
  BurstOrder order;
  order.inFlight = static_cast<size_t>(std::max<int64_t>(1, inFlight.value_or(1)));
  order.connection = connection;
  if (timeoutMs) order.timeout = std::chrono::milliseconds(*timeoutMs);
  order.envelopes.reserve(static_cast<size_t>(*count));
  {
    std::lock_guard lock(s.mu);
    for (int64_t i = 0; i < *count; ++i) {
      BuiltSlash built = buildSlashLocked(s, body, userId, channelId);
      std::string id = mintEnvelopeId(s.rng);
      std::string frame = envelopeFrame(id, "slash_commands", slashPayloadJson(built.fields), true, 0, "");
      order.envelopes.push_back(BurstEnvelope{std::move(id), std::move(frame)});
    }
  }
  json summary = s.socket->burst(std::move(order));
  return slackJsonResponse(summary.contains("error") ? 409 : 200, summary);
}

http::Response settings(FakeSlackState& s, const http::Request& req) {
  if (req.method == "POST") {
    auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (!body.is_object()) return badRequest("body must be a JSON object");
    std::string problem;
    auto interval = intField(body, "ping_interval_ms", problem);
    if (!problem.empty()) return badRequest(problem);
    if (interval) s.socket->setPingInterval(std::chrono::milliseconds(*interval));
  }
  return slackJsonResponse(200, {{"ping_interval_ms", s.socket->pingIntervalMs()}});
}

}  // namespace

std::optional<http::Response> deliverOverSocket(FakeSlackState& s, const json& req, const std::string& type,
                                                std::string payloadJson, bool acceptsResponsePayload,
                                                const std::string& responseUrl, const std::string& triggerId,
                                                const std::string& timestamp) {
  if (!s.socket || !s.socket->hasOpenConnection()) return std::nullopt;
  EnvelopeOrder order;
  if (auto problem = readDeliveryFields(req, order)) return badRequest(*problem);
  order.type = type;
  order.payloadJson = std::move(payloadJson);
  order.acceptsResponsePayload = acceptsResponsePayload;
  DeliveryReport report = s.socket->deliver(order);
  return deliveryReport(report, responseUrl, triggerId, timestamp);
}

http::Response socketControl(FakeSlackState& s, const http::Request& req) {
  struct Route {
    const char* path;
    const char* method;
  };
  static constexpr Route kRoutes[] = {
      {"/_fake/socket/connections", "GET"}, {"/_fake/socket/acks", "GET"},      {"/_fake/socket/disconnect", "POST"},
      {"/_fake/socket/silence", "POST"},    {"/_fake/socket/abort", "POST"},    {"/_fake/socket/envelope", "POST"},
      {"/_fake/socket/burst", "POST"},      {"/_fake/socket/settings", "POST"}, {"/_fake/socket/settings", "GET"}};
  const std::string& p = req.path;
  auto route = std::find_if(std::begin(kRoutes), std::end(kRoutes),
                            [&](const Route& r) { return p == r.path && req.method == r.method; });
  if (route == std::end(kRoutes)) {
    bool known = std::any_of(std::begin(kRoutes), std::end(kRoutes), [&](const Route& r) { return p == r.path; });
    return known ? textResponse(405, "method_not_allowed") : textResponse(404, "not_found");
  }
  if (!s.socket) return badRequest("socket_mode_off: the fake has no app token");
  if (p == "/_fake/socket/connections") return slackJsonResponse(200, s.socket->connections());
  if (p == "/_fake/socket/acks") return slackJsonResponse(200, s.socket->acks());
  if (p == "/_fake/socket/settings") return settings(s, req);
  auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (!body.is_object()) return badRequest("body must be a JSON object");
  if (p == "/_fake/socket/disconnect") return disconnect(s, body);
  if (p == "/_fake/socket/silence") {
    return oneConnection(body, [&](int64_t id) { return s.socket->silence(id); });
  }
  if (p == "/_fake/socket/abort") return oneConnection(body, [&](int64_t id) { return s.socket->abort(id); });
  if (p == "/_fake/socket/envelope") return sendEnvelope(s, body);
  return burst(s, std::move(body));
}

}  // namespace patbot::fakes
