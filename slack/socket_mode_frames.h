// The frames of Slack's Socket Mode (reference/slack-socket-mode.md §2–3): what Slack sends on
// the WebSocket, read into one struct, and the acknowledgement patbot sends back. Plain data, no
// I/O; never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace patbot::slack {

enum class SocketFrameKind {
  kHello,        // first frame of a connection
  kDisconnect,   // Slack will close (or wants us to close) this connection: `reason`
  kEnvelope,     // a request to acknowledge: slash_commands, interactive, events_api, ...
};

struct SocketFrame {
  SocketFrameKind kind = SocketFrameKind::kEnvelope;
  std::string type;                     // "hello", "disconnect", or the envelope's type
  // kHello
  int numConnections = 0;
  // kDisconnect: "warning", "refresh_requested", "too_many_websockets", "link_disabled", ...
  std::string reason;
  // kEnvelope
  std::string envelopeId;
  nlohmann::json payload;               // the object the HTTP endpoint would have received
  bool acceptsResponsePayload = false;
  int retryAttempt = 0;
  std::string retryReason;
};

// Error kProtocol for text that is not a JSON object with a string `type`, a disconnect without
// a reason, or an envelope without an envelope_id. Unknown types with an envelope_id are
// envelopes (they must still be acknowledged).
Result<SocketFrame> parseSocketFrame(std::string_view text);

// `{"envelope_id": ID}` or, with a response, `{"envelope_id": ID, "payload": RESPONSE}`.
std::string socketAck(const std::string& envelopeId, const std::optional<nlohmann::json>& response = std::nullopt);

// The reasons a disconnect frame gives, as the receiver must treat them.
enum class DisconnectAction {
  kReplace,   // warning, refresh_requested and anything unknown: open a new connection, then close this one
  kBackOff,   // too_many_websockets: close this one and wait before opening another
  kFatal,     // link_disabled: Socket Mode is off for the app; reconnecting cannot help
};
DisconnectAction disconnectAction(std::string_view reason);

// apps.connections.open errors after which reconnecting cannot help (reference §4: what the
// official clients give up on, and link_disabled).
bool isFatalSocketModeError(std::string_view slackError);

}  // namespace patbot::slack
