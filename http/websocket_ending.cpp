#include "http/websocket_ending.h"

#include <fmt/format.h>

namespace patbot::http {

const char* phaseName(OpeningPhase phase) {
  switch (phase) {
    case OpeningPhase::kResolving: return "resolving";
    case OpeningPhase::kConnecting: return "connecting";
    case OpeningPhase::kProxy: return "the proxy CONNECT";
    case OpeningPhase::kTls: return "the TLS handshake";
    case OpeningPhase::kUpgrade: return "the upgrade";
  }
  return "opening";
}

const char* closeCodeName(uint16_t code) {
  switch (code) {
    case 1000: return "normal";
    case 1001: return "going away";
    case 1002: return "protocol error";
    case 1003: return "unsupported data";
    case 1005: return "no status";
    case 1006: return "abnormal";
    case 1007: return "invalid data";
    case 1008: return "policy violation";
    case 1009: return "message too big";
    case 1010: return "extension required";
    case 1011: return "internal error";
    case 1012: return "service restart";
    case 1013: return "try again later";
    default: return "";
  }
}

std::string formatSeconds(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return fmt::format("{} s", duration.count() / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

Error WebSocketEnding::openingFailed(OpeningPhase phase, const std::string& detail, const std::string& proxy) const {
  std::string message;
  switch (phase) {
    case OpeningPhase::kResolving:
      message = proxy.empty() ? fmt::format("could not resolve {} for a WebSocket connection", host_)
                              : fmt::format("could not resolve the proxy {} (for a WebSocket to {})", proxy, host_);
      break;
    case OpeningPhase::kConnecting:
      message = proxy.empty() ? fmt::format("could not connect to {} for a WebSocket connection", host_)
                              : fmt::format("could not connect to the proxy {} (for a WebSocket to {})", proxy, host_);
      break;
    case OpeningPhase::kProxy:
      message = fmt::format("the proxy {} did not answer the CONNECT to {}", proxy, host_);
      break;
    case OpeningPhase::kTls:
      message = fmt::format("could not set up a trusted TLS connection to {}", host_);
      break;
    case OpeningPhase::kUpgrade:
      message = fmt::format("the WebSocket upgrade with {} failed", host_);
      break;
  }
  return Error::make(ErrorKind::kUnavailable, message, fmt::format("{}: {}", phaseName(phase), detail));
}

Error WebSocketEnding::openingTimedOut(std::chrono::milliseconds timeout, const std::string& during) const {
  return Error::make(ErrorKind::kUnavailable,
                     fmt::format("opening a WebSocket to {} timed out after {} ({})", host_, formatSeconds(timeout),
                                 during),
                     fmt::format("connect timeout during {}", during));
}

Error WebSocketEnding::proxyRefused(const std::string& proxy, const std::string& target, unsigned status) const {
  Error error = Error::make(ErrorKind::kUnavailable,
                            fmt::format("the proxy {} refused the tunnel to {} (HTTP {})", proxy, target, status),
                            fmt::format("CONNECT {} answered with HTTP {}", target, status));
  error.httpStatus = static_cast<int>(status);
  return error;
}

Error WebSocketEnding::upgradeRefused(unsigned status, const std::string& detail) const {
  Error error = Error::make(
      ErrorKind::kUnavailable,
      fmt::format("{} answered the WebSocket upgrade with HTTP {} instead of 101", host_, status),
      fmt::format("upgrade: {}", detail));
  error.httpStatus = static_cast<int>(status);
  return error;
}

Error WebSocketEnding::ended(ErrorKind kind, const std::string& how, const std::string& detail) const {
  return Error::make(kind, fmt::format("the WebSocket connection to {} ended: {}", host_, how), detail);
}

Error WebSocketEnding::closedByPeer(uint16_t code, const std::string& reason) const {
  const char* name = closeCodeName(code);
  std::string what = *name != '\0' ? fmt::format("{} {}", code, name) : std::to_string(code);
  return ended(ErrorKind::kUnavailable, fmt::format("closed by the peer ({})", what),
               reason.empty() ? "no reason given" : fmt::format("reason: {}", reason));
}

Error WebSocketEnding::dead(std::chrono::milliseconds idle) const {
  return ended(ErrorKind::kUnavailable, fmt::format("no frame for {}: the connection is dead", formatSeconds(idle)),
               "idle timeout (no answer to the keep-alive ping)");
}

Error WebSocketEnding::writeStuck(std::chrono::milliseconds idle) const {
  return ended(ErrorKind::kUnavailable,
               fmt::format("a message could not be written for {}: the connection is dead", formatSeconds(idle)),
               "write not finished within the idle timeout");
}

Error WebSocketEnding::reset(const std::string& detail) const {
  return ended(ErrorKind::kUnavailable, "reset by the peer", detail);
}

Error WebSocketEnding::dropped(const std::string& detail) const {
  return ended(ErrorKind::kUnavailable, "dropped by the peer without a close frame", detail);
}

Error WebSocketEnding::closedLocally() const { return ended(ErrorKind::kUnavailable, "closed locally", "close()"); }

Error WebSocketEnding::tooLarge(size_t limit) const {
  return ended(ErrorKind::kProtocol, fmt::format("a message over {} bytes arrived", limit),
               "read_message_max exceeded; closed with 1009");
}

Error WebSocketEnding::readFailed(const std::string& detail) const {
  return ended(ErrorKind::kUnavailable, "read failed", detail);
}

Error WebSocketEnding::writeFailed(const std::string& detail) const {
  return ended(ErrorKind::kUnavailable, "write failed", detail);
}

}  // namespace patbot::http
