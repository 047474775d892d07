// CpprestServer: the Server interface over cpprestsdk's http_listener.
#include "http/common_cpprest.h"   // first: before any cpprest header

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <spdlog/spdlog.h>

#include "core/lower_case.h"
#include "core/request_context.h"
#include "http/request_limits.h"
#include "http/server.h"

namespace patbot::http {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kPortAttempts = 5;

// Everything an in-flight request needs; shared by the listener callback and its continuations
// so that it outlives the server object if a continuation runs late.
struct PendingRequest;

struct ServerState {
  RequestHandler handler;
  RequestLimits limits;

  std::mutex mutex;
  std::condition_variable idle;
  size_t inFlight = 0;
  bool stopped = false;
  bool listenerClosed = false;   // connections are gone: a reply would never complete
  // Requests whose body is being read (or drained after a refusal). A pending body read holds
  // its request alive through its own continuation, so one whose connection cpprest drops at
  // close would never end; stop() ends their reads. Entries erase themselves on destruction.
  std::unordered_map<const PendingRequest*, std::weak_ptr<PendingRequest>> reading;
};

// One request while its body is read.
struct PendingRequest {
  std::shared_ptr<ServerState> state;
  http_request raw;
  Request request;
  std::vector<uint8_t> chunk = std::vector<uint8_t>(kReadChunk);

  ~PendingRequest() {
    std::lock_guard lock(state->mutex);
    state->reading.erase(this);
  }
};

// Registers `pending` as reading its body, for stop() to end.
void trackBodyRead(const std::shared_ptr<PendingRequest>& pending) {
  std::lock_guard lock(pending->state->mutex);
  pending->state->reading.emplace(pending.get(), pending);
}

// Ends every body read still pending: closing the write end of a body buffer completes its
// outstanding read with end of input, so each read chain stops and releases its request.
void endBodyReads(ServerState& state) {
  std::vector<std::weak_ptr<PendingRequest>> pending;
  {
    std::lock_guard lock(state.mutex);
    state.listenerClosed = true;
    for (const auto& [key, weak] : state.reading) pending.push_back(weak);
  }
  for (const auto& weak : pending) {
    if (auto request = weak.lock()) {
      try {
        request->raw.body().streambuf().close(std::ios_base::out).wait();
      } catch (...) {
        // Already closed or failed: its read has ended either way.
      }
    }
  }
}

void sendResponse(http_request& raw, const Response& response) noexcept {
  try {
    http_response out(static_cast<web::http::status_code>(response.status));
    if (!response.body.empty()) {
      out.set_body(std::vector<unsigned char>(response.body.begin(), response.body.end()));
    }
    for (const auto& [name, value] : response.headers) {
      std::string lower = lowerCase(name);
      if (lower == "content-length" || lower == "transfer-encoding") continue;
      out.headers()[name] = value;
    }
    raw.reply(out).then([](pplx::task<void> sent) {
      try {
        sent.get();
      } catch (const std::exception& e) {
        spdlog::debug("http: response not delivered: {}", e.what());
      } catch (...) {
      }
    });
  } catch (const std::exception& e) {
    spdlog::warn("http: could not send a response: {}", e.what());
  } catch (...) {
    spdlog::warn("http: could not send a response");
  }
}

// Reads and discards the rest of a rejected body so the connection's buffer stays small; cpprest
// sends the queued response only once the whole declared body has arrived.
void drainBody(std::shared_ptr<PendingRequest> pending) noexcept {
  try {
    auto buffer = pending->raw.body().streambuf();
    buffer.getn(pending->chunk.data(), pending->chunk.size()).then([pending](pplx::task<size_t> read) {
      try {
        if (read.get() > 0) drainBody(pending);
      } catch (...) {
      }
    });
  } catch (...) {
  }
}

void reject(const std::shared_ptr<PendingRequest>& pending, int status, const std::string& reason) {
  RequestScope scope(newRequestId());   // refused before routing: the log line gets an id of its own
  spdlog::warn("http: {} {} from {} rejected with {}: {}", pending->request.method, pending->request.path,
               pending->request.remote, status, reason);
  sendResponse(pending->raw, refusalResponse(status));   // cpprest closes the connection once it is sent
  trackBodyRead(pending);
  drainBody(pending);
}

void callHandler(const std::shared_ptr<PendingRequest>& pending) {
  ServerState& state = *pending->state;
  {
    std::lock_guard lock(state.mutex);
    if (state.stopped) {
      // After the listener closed, the reply would wait forever on a connection that is gone.
      if (!state.listenerClosed) sendResponse(pending->raw, Response::text(503, "shutting down"));
      return;
    }
    ++state.inFlight;
  }
  Response response;
  try {
    response = state.handler(pending->request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler failed for {} {}: {}", pending->request.method, pending->request.path, e.what());
    response = Response::text(500, "internal error");
  } catch (...) {
    spdlog::error("http: handler failed for {} {}: unknown exception", pending->request.method,
                  pending->request.path);
    response = Response::text(500, "internal error");
  }
  sendResponse(pending->raw, response);   // queued while in flight: stop() closes the listener after it
  {
    std::lock_guard lock(state.mutex);
    --state.inFlight;
  }
  state.idle.notify_all();
}

void readBody(std::shared_ptr<PendingRequest> pending) noexcept {
  try {
    auto buffer = pending->raw.body().streambuf();
    buffer.getn(pending->chunk.data(), pending->chunk.size()).then([pending](pplx::task<size_t> read) {
      try {
        size_t n = read.get();
        if (n == 0) {
          callHandler(pending);
          return;
        }
        if (pending->request.body.size() + n > pending->state->limits.maxBodyBytes) {
          reject(pending, 413, fmt::format("body over {} bytes", pending->state->limits.maxBodyBytes));
          return;
        }
        pending->request.body.append(reinterpret_cast<const char*>(pending->chunk.data()), n);
        readBody(pending);
      } catch (const std::exception& e) {
        spdlog::warn("http: reading the body of {} {} failed: {}", pending->request.method, pending->request.path,
                     e.what());
        sendResponse(pending->raw, Response::text(400, "could not read the request body"));
      } catch (...) {
        sendResponse(pending->raw, Response::text(400, "could not read the request body"));
      }
    });
  } catch (const std::exception& e) {
    spdlog::warn("http: reading a request body failed: {}", e.what());
    sendResponse(pending->raw, Response::text(400, "could not read the request body"));
  }
}

// The listener callback: copies the request head and starts the asynchronous body read. Never
// blocks and never throws.
void acceptRequest(const std::shared_ptr<ServerState>& state, http_request raw) noexcept {
  try {
    auto pending = std::make_shared<PendingRequest>();
    pending->state = state;
    pending->raw = raw;
    Request& request = pending->request;
    request.method = raw.method();
    request.path = web::uri::decode(raw.request_uri().path());
    request.query = raw.request_uri().query();
    request.remote = raw.remote_address();
    request.headers = detail::lowerCasedHeaders(raw.headers());
    HeadCheck check = checkRequestHead(request, state->limits);
    if (check.status != 0) {
      reject(pending, check.status, check.reason);
      return;
    }
    if (check.contentLength) request.body.reserve(static_cast<size_t>(*check.contentLength));
    if (!raw.body()) {
      callHandler(pending);
      return;
    }
    trackBodyRead(pending);
    readBody(std::move(pending));
  } catch (const std::exception& e) {
    spdlog::error("http: could not accept a request: {}", e.what());
    sendResponse(raw, Response::text(500, "internal error"));
  } catch (...) {
    sendResponse(raw, Response::text(500, "internal error"));
  }
}

// Binds a throwaway socket to port 0 on `host` and returns the port the kernel chose (0 on
// failure). The port is free again when this returns; the caller races other processes for it.
uint16_t pickFreePort(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), "0", &hints, &found) != 0 || found == nullptr) return 0;
  uint16_t port = 0;
  for (addrinfo* ai = found; ai != nullptr && port == 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
      if (bound.ss_family == AF_INET) {
        port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      } else if (bound.ss_family == AF_INET6) {
        port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
      }
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  return port;
}

class CpprestServer final : public Server {
 public:
  CpprestServer(ServerOptions options, RequestHandler handler)
      : options_(std::move(options)), state_(std::make_shared<ServerState>()) {
    state_->handler = std::move(handler);
    state_->limits.maxBodyBytes = options_.maxBodyBytes;
    state_->limits.maxHeaderBytes = options_.maxHeaderBytes;
  }

  ~CpprestServer() override { stop(); }

  Status start() override {
    std::lock_guard lock(lifecycle_);
    if (listener_) return okStatus();
    std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    std::string lastError = "no attempt made";
    int attempts = options_.port == 0 ? kPortAttempts : 1;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      uint16_t port = options_.port != 0 ? options_.port : pickFreePort(options_.host);
      if (port == 0) {
        lastError = "no free port found";
        continue;
      }
      try {
        auto listener = std::make_unique<http_listener>(fmt::format("http://{}:{}", host, port));
        auto state = state_;
        listener->support([state](http_request raw) { acceptRequest(state, std::move(raw)); });
        listener->open().wait();
        listener_ = std::move(listener);
        port_ = port;
        {
          std::lock_guard stateLock(state_->mutex);
          state_->stopped = false;
          state_->listenerClosed = false;
        }
        spdlog::info("http: listening on {}:{}", options_.host, port_);
        return okStatus();
      } catch (const std::exception& e) {
        lastError = e.what();
      }
    }
    return Error::make(ErrorKind::kUnavailable,
                       fmt::format("cannot listen on {}:{}", options_.host, options_.port),
                       fmt::format("http_listener open failed: {}", lastError));
  }

  void stop() override {
    std::lock_guard lock(lifecycle_);
    if (!listener_) return;
    {
      // New requests get 503 while the handlers in flight finish and queue their replies. Only
      // then does the listener close: cpprest never completes a reply to a connection it has
      // already closed, and the pplx continuation waiting on that reply would leak.
      std::unique_lock stateLock(state_->mutex);
      state_->stopped = true;
      state_->idle.wait(stateLock, [this] { return state_->inFlight == 0; });
    }
    try {
      listener_->close().wait();
    } catch (const std::exception& e) {
      spdlog::warn("http: closing the listener failed: {}", e.what());
    }
    endBodyReads(*state_);   // a body still arriving when its connection closed
    listener_.reset();
  }

  uint16_t port() const override { return port_; }

 private:
  ServerOptions options_;
  std::shared_ptr<ServerState> state_;
  std::mutex lifecycle_;
  std::unique_ptr<http_listener> listener_;
  uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<Server> makeCpprestServer(ServerOptions options, RequestHandler handler) {
  return std::make_unique<CpprestServer>(std::move(options), std::move(handler));
}

void configureIoThreads(size_t threads) {
  static std::once_flag once;
  std::call_once(once, [threads] {
    try {
      crossplat::threadpool::initialize_with_threads(threads);
    } catch (const std::exception& e) {
      spdlog::warn("http: I/O thread pool already running; size {} ignored ({})", threads, e.what());
    }
  });
}

}  // namespace patbot::http
