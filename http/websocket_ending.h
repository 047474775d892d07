// The wording of every way a WebSocket connection fails to open or ends (websocket_client.h),
// in one place so that the messages stay uniform: each names the host and the step, never the
// URL's path or query (a Socket Mode URL carries a ticket). Plain string code, no Beast.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace patbot::http {

enum class OpeningPhase { kResolving, kConnecting, kProxy, kTls, kUpgrade };

// "resolving", "connecting", "the proxy CONNECT", "the TLS handshake", "the upgrade".
const char* phaseName(OpeningPhase phase);

// "normal", "going away", ... for the close codes of RFC 6455 section 7.4; "" for others.
const char* closeCodeName(uint16_t code);

class WebSocketEnding {
 public:
  explicit WebSocketEnding(std::string host) : host_(std::move(host)) {}

  // Opening: kUnavailable unless said otherwise. `proxy` is "host:port" when the failed step
  // was towards the proxy (resolving or connecting to it), else "".
  Error openingFailed(OpeningPhase phase, const std::string& detail, const std::string& proxy = "") const;
  Error openingTimedOut(std::chrono::milliseconds timeout, const std::string& during) const;
  Error proxyRefused(const std::string& proxy, const std::string& target, unsigned status) const;   // httpStatus set
  Error upgradeRefused(unsigned status, const std::string& detail) const;                           // httpStatus set

  // Ends of an open connection, all kUnavailable but tooLarge (kProtocol). The message is
  // "the WebSocket connection to HOST ended: " and then how.
  Error closedByPeer(uint16_t code, const std::string& reason) const;   // "closed by the peer (1000 normal)"
  Error dead(std::chrono::milliseconds idle) const;                     // "no frame for 10 s: the connection is dead"
  Error writeStuck(std::chrono::milliseconds idle) const;   // "a message could not be written for 10 s: ... dead"
  Error reset(const std::string& detail) const;             // "reset by the peer"
  Error dropped(const std::string& detail) const;           // "dropped by the peer without a close frame"
  Error closedLocally() const;                              // "closed locally"
  Error tooLarge(size_t limit) const;                       // "a message over N bytes arrived" (kProtocol)
  Error readFailed(const std::string& detail) const;        // "read failed"
  Error writeFailed(const std::string& detail) const;       // "write failed"

 private:
  Error ended(ErrorKind kind, const std::string& how, const std::string& detail) const;

  std::string host_;
};

// "10 s", "0.6 s".
std::string formatSeconds(std::chrono::milliseconds duration);

}  // namespace patbot::http
