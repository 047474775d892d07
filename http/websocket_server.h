// A WebSocket server (RFC 6455, plain ws://) on one address: it accepts TCP connections, reads the
// HTTP upgrade request, lets the application admit or refuse it (e.g. 401 for a bad ticket in
// the query), completes the handshake and then hands the application a WebSocketPeer. Generic:
// it knows no application protocol. Boost.Beast inside (http/websocket_server.cpp); nothing here
// includes it.
//
// Threads: the server runs its own I/O threads (WebSocketServerOptions::threads). Every callback
// of a WebSocketHandler runs on one of them, and the callbacks of one connection never run at the
// same time (each connection is a strand). Callbacks must be quick and must not block waiting on
// another connection's callback; they may call any WebSocketPeer method.
//
// Pings from the client are answered with pongs automatically while the connection is read (that
// is, unless it was made silent). The server sends pings only when told to (WebSocketPeer::ping).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "http/http_types.h"

namespace patbot::http {

namespace detail {
class WebSocketSession;
}

// Who ended a connection, as the server saw it.
enum class WebSocketCloser {
  kClient,  // the client sent a close frame, or its TCP connection ended (or failed) without one
  kServer,  // the server sent a close frame (WebSocketPeer::close), or server stop()
  kAbort,   // the server dropped TCP without a close frame (WebSocketPeer::abort)
};

const char* webSocketCloserName(WebSocketCloser closer);  // "client", "server", "abort"

struct WebSocketClosed {
  WebSocketCloser by = WebSocketCloser::kClient;
  uint16_t code = 0;   // the close frame's code (whoever sent it first); 0 when none was exchanged
  std::string reason;  // its reason text
};

// The upgrade request of one connection, as read before the handshake.
struct WebSocketUpgrade {
  std::string path;    // decoded path without the query, e.g. "/link/"
  std::string query;   // raw query without '?', still percent-encoded
  Headers headers;     // lower-cased names
  std::string remote;  // peer address, for logs
};

// A handle on one accepted connection: cheap to copy, thread-safe, never keeps the connection
// alive (it refers to it weakly). Every method returns at once and queues its work on the
// connection's strand; frames go out in the order they were queued. Once the connection ended
// (or, for the sending methods, once it was made silent or a close was queued) they do nothing.
class WebSocketPeer {
 public:
  WebSocketPeer() = default;

  uint64_t id() const { return id_; }  // unique within one server, from 1
  const std::string& remote() const { return remote_; }

  // Sends one text frame. `written`, when given, is called on the I/O thread once the frame has
  // been handed to the kernel (true) or could not be (false: ended, silent or failed).
  void sendText(std::string text, std::function<void(bool)> written = {}) const;
  // Sends a ping frame with `payload` (at most 125 bytes).
  void ping(std::string payload = {}) const;
  // Sends a close frame, then waits for the client's close frame (at most the handshake timeout)
  // and closes TCP. On a silent connection no frame can be sent: TCP is closed (reported kAbort).
  void close(uint16_t code, std::string reason = {}) const;
  // Closes TCP at once without a close frame (the client sees the stream end).
  void abort() const;
  // Half-open, as the client sees it: from now on nothing is read (so pings get no pong and text
  // is not delivered) and nothing is sent, while TCP stays open. The server still notices the
  // client closing TCP (WebSocketHandler::closed with kClient).
  void goSilent() const;

 private:
  friend class detail::WebSocketSession;
  WebSocketPeer(uint64_t id, std::string remote, std::weak_ptr<detail::WebSocketSession> session)
      : id_(id), remote_(std::move(remote)), session_(std::move(session)) {}

  uint64_t id_ = 0;
  std::string remote_;
  std::weak_ptr<detail::WebSocketSession> session_;
};

// The application side. All methods run on the server's I/O threads (see the top of this file).
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // Decides on an upgrade request before the handshake: nullopt accepts it; a Response refuses
  // it and is sent as is (then TCP is closed).
  virtual std::optional<Response> admit(const WebSocketUpgrade& upgrade) = 0;
  // The handshake is complete; nothing has been read or sent yet. `upgrade` is the request
  // admit() accepted.
  virtual void opened(const WebSocketPeer& peer, const WebSocketUpgrade& upgrade) = 0;
  // One complete text message (binary messages are passed the same way).
  virtual void text(const WebSocketPeer& peer, std::string message) = 0;
  // A pong from the client (normally the answer to a ping()).
  virtual void pong(const WebSocketPeer& /*peer*/) {}
  // A ping from the client; the pong goes out by itself.
  virtual void pinged(const WebSocketPeer& /*peer*/) {}
  // Exactly once per opened connection, when it has ended.
  virtual void closed(const WebSocketPeer& peer, const WebSocketClosed& how) = 0;
};

struct WebSocketServerOptions {
  std::string host = "127.0.0.1";  // an IP literal or a host name; "0.0.0.0" for all interfaces
  uint16_t port = 0;               // 0 = pick a free port; see WebSocketServer::port()
  size_t threads = 1;              // I/O threads
  size_t maxMessageBytes = 1024 * 1024;  // a larger incoming message ends the connection (1009)
  size_t maxHeaderBytes = 16 * 1024;     // a larger upgrade request head gets 431
  // Reading the upgrade request, and the closing handshake after close().
  std::chrono::milliseconds handshakeTimeout{5000};
};

class WebSocketServer {
 public:
  // `handler` must outlive the server (or at least its stop()).
  WebSocketServer(WebSocketServerOptions options, WebSocketHandler& handler);
  ~WebSocketServer();  // stop()
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  // Starts listening; returns once the socket accepts connections. Error (kUnavailable) when the
  // address cannot be bound. Not restartable after stop().
  Status start();
  // Stops accepting, drops every connection (handler->closed() with kServer for each, while the
  // I/O threads still run), and joins the I/O threads. Idempotent; afterwards no callback runs.
  void stop();
  // The bound port (the real one when the option was 0). Valid after start().
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace patbot::http
