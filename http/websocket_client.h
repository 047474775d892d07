// A WebSocket client connection (RFC 6455) for Slack's Socket Mode: ws:// (loopback tests, the
// demo) or wss:// with TLS always verified, through an HTTP CONNECT proxy when ProxySettings
// names one for the URL. Text messages only; pings from the peer are answered by the library.
//
// Liveness: when nothing at all (message, ping, pong) has arrived for idleTimeout / 2 the client
// sends a ping; when nothing has arrived for idleTimeout the connection is dead: read() fails
// with a message that says so, and the socket is closed. A half-open socket is therefore found
// within idleTimeout without any help from the peer.
//
// Threads: the connection runs its own I/O thread. read() is for one reader thread at a time;
// send() and close() may be called from any thread, concurrently with read() and each other.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/proxy.h"

namespace patbot::http {

struct WebSocketOptions {
  std::string extraCaFile;   // PEM bundle trusted in addition to the system store ("" = none)
  std::string userAgent = "patbot";
  // The whole opening: DNS, TCP, proxy CONNECT, TLS and the upgrade.
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds idleTimeout{10000};
  size_t maxMessageBytes = 1024 * 1024;   // a larger incoming message fails read() (kProtocol)
  ProxySettings proxy;                    // none by default
};

class WebSocket {
 public:
  virtual ~WebSocket() = default;   // closes (without waiting for the peer) if still open

  // The next text message. Blocks until one arrives or the connection ends: then an Error
  // (kUnavailable) whose message says how ("closed by the peer (1000 normal)", "no frame for
  // 10 s: the connection is dead", "reset by the peer", "closed locally"). Every later call
  // fails the same way at once.
  virtual Result<std::string> read() = 0;
  // Queues one text message and waits until it is written (or the connection has ended: Error).
  virtual Status send(const std::string& text) = 0;
  // Sends a close frame (normal closure) and ends the connection; a blocked read() returns an
  // Error. Does not wait more than a second for the peer's answer. Idempotent.
  virtual void close() = 0;
};

// Opens a connection to `url` (ws:// or wss://; the path and query are sent as is). Errors:
// kInvalidInput for a URL that is not ws(s)://host[:port]/..., kUnavailable for DNS, TCP, proxy,
// TLS or upgrade failures and for connectTimeout (the message names the host and the step, never
// the query, which may hold a ticket).
Result<std::unique_ptr<WebSocket>> connectWebSocket(const std::string& url, const WebSocketOptions& options);

}  // namespace patbot::http
