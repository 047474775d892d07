// An HTTP/1.1 server on one address. The application sees only plain Request/Response structs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/http_types.h"

namespace patbot::http {

// Called once per request whose body fits the limit, on a server thread. It must not block on
// other requests' work (no waiting for futures); quick synchronous work (HMAC, SQLite insert,
// queueing a job) is fine. Exceptions it throws become a 500 and a log line, never a crash.
using RequestHandler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";   // "0.0.0.0" for all interfaces ("*" binds IPv6 only in cpprest)
  uint16_t port = 8080;             // 0 = pick a free port; see Server::port()
  size_t maxBodyBytes = 64 * 1024;  // larger bodies get 413 (Content-Length checked before reading)
  size_t maxHeaderBytes = 16 * 1024;  // larger request line + headers get 431 (http/request_limits.h)

  // Beast server only (the cpprest listener has no such controls):
  size_t threads = 2;                  // I/O threads; handlers run on them
  size_t maxConnections = 0;           // connections held at once; 0 = open-file limit less 256
  // Slack gives up after 3 s, so a legitimate request is never near these.
  std::chrono::milliseconds idleTimeout{15000};   // a connection waiting for its next request
  std::chrono::milliseconds headTimeout{5000};    // a head, from its first byte to its end
  std::chrono::milliseconds bodyTimeout{5000};    // a body, once its head is in
  std::chrono::milliseconds writeTimeout{5000};   // writing an answer
};

class Server {
 public:
  virtual ~Server() = default;
  // Starts listening; returns once the socket accepts connections. Error (kUnavailable) when the
  // address cannot be bound.
  virtual Status start() = 0;
  // Waits for in-flight handlers (answering new requests 503 meanwhile), then stops accepting.
  // Idempotent.
  virtual void stop() = 0;
  // The bound port (the real one when ServerOptions::port was 0). Valid after start().
  virtual uint16_t port() const = 0;
};

// cpprestsdk's http_listener on the shared pplx I/O pool (see configureIoThreads). Used by the
// fakes and the demo's simulated services, whose handlers may sleep (injected latency).
std::unique_ptr<Server> makeCpprestServer(ServerOptions options, RequestHandler handler);

// Boost.Beast on its own ServerOptions::threads; head/body/write deadlines, a connection cap,
// heads over the limit refused before they are buffered (http/server_beast.cpp). patbot serve's
// listener. Handlers must be quick: they run on the I/O threads.
std::unique_ptr<Server> makeBeastServer(ServerOptions options, RequestHandler handler);

// Sets the size of the shared I/O thread pool used by the server and client. Call once, before
// any server or client is created; later calls do nothing.
void configureIoThreads(size_t threads);

}  // namespace patbot::http
