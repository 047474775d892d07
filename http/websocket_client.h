// A WebSocket client connection (RFC 6455) for Slack's Socket Mode: ws:// (loopback tests, the
// demo) or wss:// with TLS always verified, through an HTTP CONNECT proxy when ProxySettings
// names one for the URL. Text messages only; pings from the peer are answered by the library.
//
// Liveness: when nothing at all (message, ping, pong) has arrived for idleTimeout / 2 the client
// sends a ping; when nothing has arrived for idleTimeout the connection is dead: read() fails
// with a message that says so, and the socket is closed. A half-open socket is therefore found
// within idleTimeout without any help from the peer.
//
// Threads: the connection runs its own I/O thread (no callback of yours ever runs on it). read()
// is for one reader thread at a time; send() and close() may be called from any thread,
// concurrently with read() and each other. Destroying the object closes it (as close()) and joins
// its thread; it must not race a call still under way on another thread: call close() first,
// let that thread's read() return, then destroy.
//
// Messages from the peer are queued as they arrive (the queue is not bounded; Socket Mode's rate
// is low); a binary message is delivered as its bytes.
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
  ProxySettings proxy;                    // none by default; ws:// uses httpProxy, wss:// httpsProxy
};

class WebSocket {
 public:
  virtual ~WebSocket() = default;   // closes (without waiting for the peer) if still open

  // The next text message. Blocks until one arrives or the connection ends: then an Error whose
  // message is "the WebSocket connection to HOST ended: " and how: "closed by the peer (1000
  // normal)", "no frame for 10 s: the connection is dead", "a message could not be written for
  // 10 s: the connection is dead", "reset by the peer", "dropped by the peer without a close
  // frame", "closed locally" (all kUnavailable), or "a message over N bytes arrived" (kProtocol,
  // the peer is sent 1009). Messages that arrived before the peer ended the connection are
  // still returned first; after close() none are. Every later call fails the same way at once.
  virtual Result<std::string> read() = 0;
  // Queues one text message and waits until it is written, or fails with how the connection
  // ended (the same Error read() gives). A write not finished within idleTimeout (a peer that
  // stopped reading) ends the connection as dead. Messages from concurrent calls are never
  // interleaved; each caller's messages go out in its order.
  virtual Status send(const std::string& text) = 0;
  // Sends a close frame (1000 normal) and ends the connection: a blocked read() returns "closed
  // locally" at once, later send()s fail. Returns when the socket is shut: when the peer answers
  // the close, or after a second at most. Idempotent; a connection that already ended is only
  // marked closed.
  virtual void close() = 0;
};

// Opens a connection to `url` (ws:// or wss://; the path and query are sent as is, with a
// User-Agent header from options). Returns within connectTimeout (plus half a second when the
// name lookup hangs: getaddrinfo cannot be cancelled, so that connection is abandoned to a
// thread of its own that waits for the resolver and then frees it). Errors:
// - kInvalidInput: a URL that is not ws(s)://host[:port]/... (parseWebSocketUrl);
// - kConfig: the proxy proxyFor() names is not an http:// URL (see proxy.h; never a silent
//   direct connection), or extraCaFile cannot be loaded;
// - kUnavailable: DNS, TCP, proxy, TLS or upgrade failures and connectTimeout. The message names
//   the host and the step ("could not connect to HOST ...", "the proxy P refused the tunnel to
//   HOST:PORT (HTTP 403)", "could not set up a trusted TLS connection to HOST", "HOST answered
//   the WebSocket upgrade with HTTP 404 instead of 101", "opening a WebSocket to HOST timed out
//   after 10 s (the upgrade)"), never the path or query, which may hold a ticket; httpStatus is
//   set for the proxy's and the upgrade's refusals.
Result<std::unique_ptr<WebSocket>> connectWebSocket(const std::string& url, const WebSocketOptions& options);

}  // namespace patbot::http
