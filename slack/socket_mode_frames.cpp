#include "slack/socket_mode_frames.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

std::string stringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int intAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

Error protocol(std::string message) { return Error::make(ErrorKind::kProtocol, std::move(message)); }

}  // namespace

Result<SocketFrame> parseSocketFrame(std::string_view text) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return protocol("a Socket Mode frame that is not a JSON object");
  SocketFrame f;
  f.type = stringAt(root, "type");
  if (f.type.empty()) return protocol("a Socket Mode frame without a type");
  if (f.type == "hello") {
    f.kind = SocketFrameKind::kHello;
    f.numConnections = intAt(root, "num_connections");
    return f;
  }
  if (f.type == "disconnect") {
    f.kind = SocketFrameKind::kDisconnect;
    f.reason = stringAt(root, "reason");
    if (f.reason.empty()) return protocol("a Socket Mode disconnect frame without a reason");
    return f;
  }
  f.kind = SocketFrameKind::kEnvelope;
  f.envelopeId = stringAt(root, "envelope_id");
  if (f.envelopeId.empty()) return protocol("a Socket Mode envelope of type " + f.type + " without an envelope_id");
  if (auto it = root.find("payload"); it != root.end()) f.payload = *it;
  auto accepts = root.find("accepts_response_payload");
  f.acceptsResponsePayload = accepts != root.end() && accepts->is_boolean() && accepts->get<bool>();
  f.retryAttempt = intAt(root, "retry_attempt");
  f.retryReason = stringAt(root, "retry_reason");
  return f;
}

std::string socketAck(const std::string& envelopeId, const std::optional<nlohmann::json>& response) {
  json ack = {{"envelope_id", envelopeId}};
  if (response) ack["payload"] = *response;
  return ack.dump();
}

DisconnectAction disconnectAction(std::string_view reason) {
  if (reason == "link_disabled") return DisconnectAction::kFatal;
  if (reason == "too_many_websockets") return DisconnectAction::kBackOff;
  return DisconnectAction::kReplace;
}

bool isFatalSocketModeError(std::string_view e) {
  return e == "invalid_auth" || e == "not_authed" || e == "account_inactive" || e == "link_disabled" ||
         e == "user_removed_from_team" || e == "team_disabled" || e == "token_revoked" || e == "token_expired" ||
         e == "missing_scope" || e == "not_allowed_token_type";
}

}  // namespace patbot::slack
