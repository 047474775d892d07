// The sender half of FakeSlack: slash commands and block_actions clicks sent to the bot, as Slack
// builds them; over HTTP (signed) here, or handed to Socket Mode (fake_socket_routes.cpp).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/lower_case.h"
#include "sim/fake_slack_state.h"
#include "sim/fake_socket_wire.h"
#include "sim/fake_slack_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr auto kAckDeadline = std::chrono::milliseconds(3000);
constexpr const char* kVerificationToken = "fAkEvErIfIcAtIoNtOkEn001";  // deprecated field, not a secret
constexpr const char* kTeamDomain = "patbot-fake";
constexpr const char* kUserAgent = "Slackbot 1.0 (+https://api.slack.com/robots)";

std::string str(const json& j, const char* key, const std::string& fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// How to sign: "valid", "bad" (wrong key), "missing" (no signature headers at all),
// "missing_signature", "missing_timestamp", "uppercase" (hex in upper case), "v1" (wrong
// version prefix), "tampered" (body changed after signing).
struct Signing {
  std::string mode = "valid";
  int64_t offsetSeconds = 0;
};

std::optional<Signing> signingFrom(const json& req, std::string& problem) {
  Signing s;
  s.mode = str(req, "signature", "valid");
  static const char* kModes[] = {"valid", "bad", "missing", "missing_signature", "missing_timestamp",
                                 "uppercase", "v1", "tampered"};
  if (std::none_of(std::begin(kModes), std::end(kModes), [&](const char* m) { return s.mode == m; })) {
    problem = "unknown signature mode: " + s.mode;
    return std::nullopt;
  }
  auto off = req.find("timestamp_offset_s");
  if (off != req.end() && !off->is_null()) {
    if (!off->is_number_integer()) {
      problem = "timestamp_offset_s must be an integer";
      return std::nullopt;
    }
    s.offsetSeconds = off->get<int64_t>();
  }
  return s;
}

// Builds the request as Slack would send it, then applies the signing mode.
http::ClientRequest signedRequest(const std::string& secret, const Signing& signing, const std::string& url,
                                  const std::string& timestamp, std::string body) {
  http::ClientRequest r;
  r.method = "POST";
  r.url = url;
  r.deadline = kAckDeadline;
  r.headers["Content-Type"] = "application/x-www-form-urlencoded";
  r.headers["User-Agent"] = kUserAgent;
  std::string signature = slackSignature(signing.mode == "bad" ? secret + "-not-the-secret" : secret, timestamp, body);
  if (signing.mode == "uppercase") {
    std::transform(signature.begin() + 3, signature.end(), signature.begin() + 3,
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  } else if (signing.mode == "v1") {
    signature[1] = '1';
  } else if (signing.mode == "tampered") {
    body += "&tampered=1";
  }
  if (signing.mode != "missing" && signing.mode != "missing_timestamp") {
    r.headers["X-Slack-Request-Timestamp"] = timestamp;
  }
  if (signing.mode != "missing" && signing.mode != "missing_signature") r.headers["X-Slack-Signature"] = signature;
  r.body = std::move(body);
  return r;
}

// Sends without holding the lock and reports like Slack's client would see it.
json deliver(FakeSlackState& s, const http::ClientRequest& request, const std::string& responseUrl,
             const std::string& triggerId, const std::string& timestamp) {
  json out = {{"status", 0},        {"content_type", nullptr},   {"body", ""},
              {"elapsed_ms", 0},    {"response_url", responseUrl}, {"trigger_id", triggerId},
              {"timestamp", timestamp}, {"error", nullptr}};
  if (request.url.empty()) {
    out["error"] = "dispatch_failed";
    return out;
  }
  auto start = std::chrono::steady_clock::now();
  auto result = s.transport.send(request);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  out["elapsed_ms"] = elapsed.count();
  if (!result) {
    out["error"] = result.error().kind == ErrorKind::kTimeout ? "operation_timeout" : "dispatch_failed";
    return out;
  }
  out["status"] = result->status;
  if (const std::string* ct = result->header("content-type")) out["content_type"] = *ct;
  out["body"] = result->body;
  if (elapsed > kAckDeadline) out["error"] = "operation_timeout";
  return out;
}

http::Response badRequest(const std::string& problem) { return slackJsonResponse(400, {{"error", problem}}); }

std::string unixSeconds(const Clock& clock, int64_t offset) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  return std::to_string(secs + offset);
}

// A /_fake/slash or /_fake/click call: its body, how to sign what it sends, and who sends it
// where (user_id and channel_id of the body; alice in #patbot when absent).
struct SendOrder {
  json req;
  Signing signing;
  std::string userId;
  std::string channelId;
};

// Reads the order in the body of `request` (a JSON object; empty is {}); the 400 answer when the
// body or its signing mode is bad.
std::optional<http::Response> readSendOrder(const http::Request& request, SendOrder& order) {
  order.req = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (!order.req.is_object()) return badRequest("body must be a JSON object");
  std::string problem;
  auto signing = signingFrom(order.req, problem);
  if (!signing) return badRequest(problem);
  order.signing = *signing;
  order.userId = str(order.req, "user_id", "U0ALICE001");
  order.channelId = str(order.req, "channel_id", "C0PATBOT01");
  return std::nullopt;
}

// A request to the bot as prepared under the lock; sent without it by signAndDeliver.
struct Outgoing {
  std::string url;
  std::string responseUrl;   // the response_url it carries ("" for ssl_check), echoed in the report
  std::string triggerId;
  std::string timestamp;
  std::string body;
};

http::Response signAndDeliver(FakeSlackState& s, const Signing& signing, Outgoing out) {
  auto clientRequest = signedRequest(s.options.signingSecret, signing, out.url, out.timestamp, std::move(out.body));
  return slackJsonResponse(200, deliver(s, clientRequest, out.responseUrl, out.triggerId, out.timestamp));
}

}  // namespace

BuiltSlash buildSlashLocked(FakeSlackState& s, const json& req, const std::string& userId,
                            const std::string& channelId) {
  std::string userName = str(req, "user_name", "alice");
  s.userNames[userId] = userName;
  BuiltSlash out;
  out.responseUrl = s.mintResponseUrlLocked(userId, channelId);
  out.triggerId = str(req, "trigger_id", "");
  if (out.triggerId.empty()) out.triggerId = s.mintTriggerIdLocked();
  out.fields = {{"token", kVerificationToken},
                {"team_id", s.options.teamId},
                {"team_domain", str(req, "team_domain", kTeamDomain)},
                {"channel_id", channelId},
                {"channel_name", str(req, "channel_name", channelNameFor(channelId))},
                {"user_id", userId},
                {"user_name", userName},
                {"command", str(req, "command", "/pat")},
                {"text", str(req, "text", "")},
                {"api_app_id", kFakeAppId},
                {"is_enterprise_install", "false"},
                {"response_url", out.responseUrl},
                {"trigger_id", out.triggerId}};
  return out;
}

std::string slashPayloadJson(const FormFields& fields) {
  ordered_json payload = ordered_json::object();
  for (const auto& [k, v] : fields) payload[k] = v;
  return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

BuiltClick buildClickLocked(FakeSlackState& s, const json& req, const std::string& userId,
                            const std::string& channelId) {
  std::string actionId = str(req, "action_id", "pat_rotate_confirm");
  BuiltClick out;
  std::string userName = str(req, "user_name", "");
  if (userName.empty()) {
    auto known = s.userNames.find(userId);
    userName = known != s.userNames.end() ? known->second : lowerCase(userId);
  }
  out.responseUrl = str(req, "response_url", "");
  if (out.responseUrl.empty()) out.responseUrl = s.mintResponseUrlLocked(userId, channelId);
  out.triggerId = str(req, "trigger_id", "");
  if (out.triggerId.empty()) out.triggerId = s.mintTriggerIdLocked();
  std::string messageTs = str(req, "message_ts", "");
  std::string actionTs = s.mintTsLocked();
  if (messageTs.empty()) messageTs = s.mintTsLocked();

  // A click on a message posted through chat.postMessage carries that message and its button.
  json message;
  json button = {{"type", "plain_text"}, {"text", "Button"}, {"emoji", true}};
  json style;
  std::string value = str(req, "value", "");
  std::string blockId = str(req, "block_id", "");
  if (auto it = s.posted.find({channelId, messageTs}); it != s.posted.end()) {
    message = it->second.back();
    for (const auto& block : message.value("blocks", json::array())) {
      auto collect = [&](const json& el) {
        if (!el.is_object() || el.value("action_id", "") != actionId) return;
        if (el.contains("text")) button = el["text"];
        if (el.contains("style")) style = el["style"];
        if (!req.contains("value") && el.contains("value")) value = el.value("value", "");
        if (blockId.empty()) blockId = block.value("block_id", "");
      };
      for (const auto& el : block.value("elements", json::array())) collect(el);
      if (block.contains("accessory")) collect(block["accessory"]);
    }
  }
  if (blockId.empty()) blockId = "pat_rotate";

  ordered_json action = {{"action_id", actionId}, {"block_id", blockId}, {"text", button}, {"value", value}};
  if (!style.is_null()) action["style"] = style;
  action["type"] = "button";
  action["action_ts"] = actionTs;
  ordered_json& payload = out.payload;
  payload["type"] = "block_actions";
  payload["user"] = {{"id", userId}, {"username", userName}, {"name", userName}, {"team_id", s.options.teamId}};
  payload["api_app_id"] = kFakeAppId;
  payload["token"] = kVerificationToken;
  payload["container"] = {{"type", "message"},
                          {"message_ts", messageTs},
                          {"channel_id", channelId},
                          {"is_ephemeral", message.is_null()}};
  payload["trigger_id"] = out.triggerId;
  payload["team"] = {{"id", s.options.teamId}, {"domain", kTeamDomain}};
  payload["enterprise"] = nullptr;
  payload["is_enterprise_install"] = false;
  payload["channel"] = {{"id", channelId}, {"name", channelNameFor(channelId)}};
  if (!message.is_null()) payload["message"] = ordered_json::parse(message.dump());
  payload["state"] = {{"values", ordered_json::object()}};
  payload["response_url"] = out.responseUrl;
  payload["actions"] = ordered_json::array({action});
  return out;
}

http::Response sendSlash(FakeSlackState& s, const http::Request& request) {
  SendOrder order;
  if (auto bad = readSendOrder(request, order)) return *bad;
  const json& req = order.req;
  bool sslCheck = req.value("ssl_check", json(false)) == json(true);

  Outgoing out;
  FormFields fields;
  {
    std::lock_guard lock(s.mu);
    out.url = s.options.botCommandsUrl;
    out.timestamp = unixSeconds(s.clock, order.signing.offsetSeconds);
    if (sslCheck) {
      // An HTTP-only check (Socket Mode has no request URL to test): always over HTTP.
      s.userNames[order.userId] = str(req, "user_name", "alice");
      out.body = formEncodeFields({{"ssl_check", "1"}, {"token", kVerificationToken}});
    } else {
      BuiltSlash built = buildSlashLocked(s, req, order.userId, order.channelId);
      out.responseUrl = std::move(built.responseUrl);
      out.triggerId = std::move(built.triggerId);
      fields = std::move(built.fields);
    }
  }
  if (!sslCheck) {
    if (auto viaSocket = deliverOverSocket(s, req, "slash_commands", slashPayloadJson(fields), true,
                                           out.responseUrl, out.triggerId, out.timestamp)) {
      return *viaSocket;
    }
    out.body = formEncodeFields(fields);
  }
  return signAndDeliver(s, order.signing, std::move(out));
}

http::Response sendClick(FakeSlackState& s, const http::Request& request) {
  SendOrder order;
  if (auto bad = readSendOrder(request, order)) return *bad;
  Outgoing out;
  std::string payloadJson;
  {
    std::lock_guard lock(s.mu);
    out.url = s.options.botInteractionsUrl;
    out.timestamp = unixSeconds(s.clock, order.signing.offsetSeconds);
    BuiltClick built = buildClickLocked(s, order.req, order.userId, order.channelId);
    out.responseUrl = std::move(built.responseUrl);
    out.triggerId = std::move(built.triggerId);
    payloadJson = built.payload.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (auto viaSocket = deliverOverSocket(s, order.req, "interactive", payloadJson, false, out.responseUrl,
                                         out.triggerId, out.timestamp)) {
    return *viaSocket;
  }
  out.body = formEncodeFields({{"payload", payloadJson}});
  return signAndDeliver(s, order.signing, std::move(out));
}

}  // namespace patbot::fakes
