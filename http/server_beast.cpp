// BeastServer: the Server interface over Boost.Beast (HTTP/1.1) on Boost.Asio.
//
// Why not cpprest's http_listener for patbot's own endpoint: it has no idle, head or body
// timeouts, buffers a request head of any size before anyone can look at it, and costs a
// continuation and several shared_ptr hops per request (it answered /healthz at ~18k/s on the
// 2-core bench machine). Here every connection is one chain of asynchronous operations on its
// own strand: read the head (under the head limit and deadline), check it, read the body (under
// the body limit and deadline), call the handler inline, write the answer, repeat or close.
//
// Contracts beyond server.h:
// - Deadlines: a connection with no request under way is closed after ServerOptions::idleTimeout;
//   once a request's first byte is in, its head must be complete within headTimeout and its body
//   within bodyTimeout (each a deadline for the whole part, however the bytes trickle), and the
//   answer written within writeTimeout; otherwise the connection is closed without an answer.
// - A head over the limit gets 431, a declared or chunked body over the limit 413, a malformed
//   request 400; each with "Connection: close". The rest of a refused body is read and dropped
//   for up to 5 s (a lingering close, as nginx does) so that the peer, still sending, sees the
//   answer rather than a reset; memory stays one 64 KiB buffer, whatever the body's size.
// - At most maxConnections connections are held; further ones are closed as soon as accepted.
// - `Expect: 100-continue` is answered with 100 only when the head passed its checks.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "core/lower_case.h"
#include "core/request_context.h"
#include "http/request_limits.h"
#include "http/server.h"
#include "http/url.h"

namespace patbot::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kDrainTime = std::chrono::seconds(5);          // read and drop a refused body this long at most
constexpr size_t kDrainChunk = 64 * 1024;
constexpr size_t kHeadSlack = 256;                            // see headLimit()
constexpr auto kStopGrace = std::chrono::seconds(2);          // closing connections at stop()
constexpr size_t kFirstRead = 4096;                           // first read of a request: most are whole

class Session;

struct ServerState {
  RequestHandler handler;
  RequestLimits limits;
  ServerOptions options;

  std::mutex mutex;
  std::condition_variable changed;
  size_t inFlight = 0;      // requests between "handler called" and "answer written or failed"
  bool stopped = false;
  // Live connections, for stop() to close; each session erases itself when destroyed.
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;
  Clock::time_point lastWarning{};   // see BeastServer::warnRateLimited
};

// The parser's own head limit. checkRequestHead() decides 431 by its exact count (http/
// request_limits.h); the parser's limit, on wire bytes, only stops a head that is far over it
// before it is buffered whole. Wire bytes exceed that count by the request line's spaces and
// version and the final CRLF, a few bytes, so the slack keeps the two rules from disagreeing.
uint32_t headLimit(const RequestLimits& limits) {
  return static_cast<uint32_t>(limits.maxHeaderBytes + kHeadSlack);
}

bool wantsClose(const Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (beast::iequals(name, "connection") && beast::iequals(value, "close")) return true;
  }
  return false;
}

// One accepted connection. Lives as long as an operation of its chain is pending.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }

  ~Session() {
    std::lock_guard lock(state_->mutex);
    state_->sessions.erase(this);
    state_->changed.notify_all();
  }

  void start() {
    {
      std::lock_guard lock(state_->mutex);
      state_->sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->readHead(); });
  }

  // Closes the connection from any thread; pending operations end with operation_aborted.
  void closeSoon() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
  }

 private:
  // Waits (up to idleTimeout) for the first byte of the next request unless one is buffered
  // already (pipelining), then reads its head.
  void readHead() {
    request_ = Request{};
    parser_.emplace();
    parser_->header_limit(headLimit(state_->limits));
    parser_->body_limit(state_->limits.maxBodyBytes);
    if (buffer_.size() > 0) return readRestOfHead();
    // An idle connection keeps no more than its first read's buffer (a large body's is released).
    if (buffer_.capacity() > 2 * kFirstRead) buffer_.shrink_to_fit();
    stream_.expires_after(state_->options.idleTimeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->close();   // idle too long, the peer left, or the server is stopping
      self->buffer_.commit(n);
      self->readRestOfHead();
    });
  }

  void readRestOfHead() {
    stream_.expires_after(state_->options.headTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->onHead(ec); });
  }

  void onHead(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return refuse(431, "head over the parser's limit");
    if (ec == bhttp::error::body_limit) {   // a declared Content-Length over the limit
      return refuse(413, fmt::format("body over {} bytes", state_->limits.maxBodyBytes));
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();   // the peer left, stalled, or the server is stopping: nothing to answer
    }
    if (ec) return refuse(400, fmt::format("unparsable head: {}", ec.message()));

    auto& head = parser_->get();
    request_.method = std::string(head.method_string());
    std::string_view target(head.target().data(), head.target().size());
    size_t question = target.find('?');
    request_.path = urlDecode(target.substr(0, question));
    if (question != std::string_view::npos) request_.query = std::string(target.substr(question + 1));
    request_.remote = remote_;
    for (const auto& field : head) {
      std::string name = lowerCase({field.name_string().data(), field.name_string().size()});
      auto [it, inserted] = request_.headers.try_emplace(std::move(name), std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());
    }
    keepAlive_ = head.keep_alive();
    version_ = head.version();

    HeadCheck check = checkRequestHead(request_, state_->limits);
    if (check.status != 0) return refuse(check.status, check.reason);
    if (parser_->is_done()) return answer();   // no body

    auto expect = head.find(bhttp::field::expect);
    if (expect != head.end() && beast::iequals(expect->value(), "100-continue")) {
      auto proceed = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
      stream_.expires_after(state_->options.writeTimeout);
      bhttp::async_write(stream_, *proceed,
                         [self = shared_from_this(), proceed](beast::error_code written, size_t) {
                           if (written) return self->close();
                           self->readBody();
                         });
      return;
    }
    readBody();
  }

  void readBody() {
    stream_.expires_after(state_->options.bodyTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->onBody(ec); });
  }

  void onBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return refuse(413, fmt::format("body over {} bytes", state_->limits.maxBodyBytes));
    }
    if (ec == beast::error::timeout) {
      RequestScope scope(newRequestId());
      spdlog::warn("http: {} {} from {}: body not complete within {} s, connection closed", request_.method,
                   request_.path, remote_,
                   std::chrono::duration_cast<std::chrono::seconds>(state_->options.bodyTimeout).count());
      return close();
    }
    if (ec == bhttp::error::partial_message || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec) return refuse(400, fmt::format("unreadable body: {}", ec.message()));
    request_.body = std::move(parser_->get().body());
    answer();
  }

  // Calls the handler (or refuses while stopping) and writes its answer.
  void answer() {
    Response response;
    {
      std::lock_guard lock(state_->mutex);
      if (state_->stopped) {
        response = Response::text(503, "shutting down");
        response.headers["Connection"] = "close";
        return write(response, false);
      }
      ++state_->inFlight;
    }
    try {
      response = state_->handler(request_);
    } catch (const std::exception& e) {
      spdlog::error("http: handler failed for {} {}: {}", request_.method, request_.path, e.what());
      response = Response::text(500, "internal error");
    } catch (...) {
      spdlog::error("http: handler failed for {} {}: unknown exception", request_.method, request_.path);
      response = Response::text(500, "internal error");
    }
    write(response, true);
  }

  void refuse(int status, const std::string& reason) {
    RequestScope scope(newRequestId());   // refused before routing: the log line gets an id of its own
    spdlog::warn("http: {} {} from {} rejected with {}: {}", request_.method.empty() ? "?" : request_.method,
                 request_.path.empty() ? "?" : request_.path, remote_, status, reason);
    keepAlive_ = false;
    draining_ = true;
    write(refusalResponse(status), false);
  }

  void write(const Response& response, bool counted) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_ == 10 ? 10 : 11);
    // Beast throws on a status outside 100..999; no handler returns one, but an I/O thread must
    // never see an exception.
    bool valid = response.status >= 100 && response.status <= 999;
    out->result(static_cast<unsigned>(valid ? response.status : 500));
    for (const auto& [name, value] : response.headers) {
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
          beast::iequals(name, "connection")) {
        continue;
      }
      out->set(name, value);
    }
    out->body() = response.body;
    bool keep = keepAlive_ && !wantsClose(response);
    out->keep_alive(keep);
    out->prepare_payload();
    stream_.expires_after(state_->options.writeTimeout);
    bhttp::async_write(stream_, *out, [self = shared_from_this(), out, keep, counted](beast::error_code ec, size_t) {
      if (counted) self->finishedOne();
      if (ec) return self->close();
      if (!keep) return self->shutdown();
      self->readHead();
    });
  }

  void finishedOne() {
    std::lock_guard lock(state_->mutex);
    --state_->inFlight;
    state_->changed.notify_all();
  }

  // Ends the connection after an answer with "Connection: close": sends FIN, then (after a
  // refusal) reads and drops what the peer still sends, so that closing does not reset the
  // connection before the peer has read the answer.
  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!draining_) return close();
    drainUntil_ = Clock::now() + kDrainTime;
    drain();
  }

  void drain() {
    if (!scratch_) scratch_ = std::make_unique<char[]>(kDrainChunk);
    stream_.expires_at(drainUntil_);
    stream_.async_read_some(net::buffer(scratch_.get(), kDrainChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->close();   // end of input, or the deadline
                              self->drain();
                            });
  }

  void close() { stream_.close(); }

  beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  std::string remote_;
  unsigned version_ = 11;
  bool keepAlive_ = true;
  bool draining_ = false;
  Clock::time_point drainUntil_{};
  std::unique_ptr<char[]> scratch_;   // only while draining
};

// Runs `io` until it is stopped or out of work. Handlers catch what they expect; anything that
// still escapes one (bad_alloc, say) is logged and the thread goes on serving, rather than
// ending the process through std::terminate.
void runLogged(net::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http: an I/O handler failed: {}", e.what());
    } catch (...) {
      spdlog::error("http: an I/O handler failed");
    }
  }
}

// The connection cap when ServerOptions::maxConnections is 0: the open-file limit less a reserve
// for the database, outgoing HTTP and logs.
size_t defaultConnectionCap() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
  return limit.rlim_cur > 512 ? static_cast<size_t>(limit.rlim_cur) - 256 : static_cast<size_t>(limit.rlim_cur) / 2;
}

class BeastServer final : public Server {
 public:
  BeastServer(ServerOptions options, RequestHandler handler) : options_(std::move(options)) {
    handler_ = std::move(handler);
  }

  ~BeastServer() override { stop(); }

  Status start() override {
    std::lock_guard lock(lifecycle_);
    if (io_) return okStatus();
    auto state = std::make_shared<ServerState>();
    state->handler = handler_;
    state->options = options_;
    state->limits.maxBodyBytes = options_.maxBodyBytes;
    state->limits.maxHeaderBytes = options_.maxHeaderBytes;
    auto io = std::make_unique<net::io_context>(static_cast<int>(std::max<size_t>(1, options_.threads)));
    auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*io));
    beast::error_code ec;
    tcp::endpoint endpoint = resolve(*io, ec);
    if (!ec) acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error::make(ErrorKind::kUnavailable, fmt::format("cannot listen on {}:{}", options_.host, options_.port),
                         ec.message());
    }
    port_ = acceptor->local_endpoint().port();
    cap_ = options_.maxConnections != 0 ? options_.maxConnections : defaultConnectionCap();
    state_ = std::move(state);
    io_ = std::move(io);
    acceptor_ = std::move(acceptor);
    retry_ = std::make_unique<net::steady_timer>(acceptor_->get_executor());
    accept();
    for (size_t i = 0; i < std::max<size_t>(1, options_.threads); ++i) {
      threads_.emplace_back([io = io_.get()] { runLogged(*io); });
    }
    spdlog::info("http: listening on {}:{}", options_.host, port_);
    return okStatus();
  }

  void stop() override {
    std::lock_guard lock(lifecycle_);
    if (!io_) return;
    std::vector<std::shared_ptr<Session>> open;
    {
      // New requests get 503 while the handlers in flight finish and their answers are written.
      std::unique_lock stateLock(state_->mutex);
      state_->stopped = true;
      state_->changed.wait(stateLock, [this] { return state_->inFlight == 0; });
      for (const auto& [key, weak] : state_->sessions) {
        if (auto session = weak.lock()) open.push_back(std::move(session));
      }
    }
    net::post(acceptor_->get_executor(), [this] {
      beast::error_code ignored;
      acceptor_->close(ignored);
      retry_->cancel();
    });
    for (const auto& session : open) session->closeSoon();
    open.clear();
    {
      std::unique_lock stateLock(state_->mutex);
      state_->changed.wait_for(stateLock, kStopGrace, [this] { return state_->sessions.empty(); });
    }
    io_->stop();   // anything still pending is destroyed with the io_context below
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    retry_.reset();
    acceptor_.reset();
    io_.reset();
  }

  uint16_t port() const override { return port_; }

 private:
  // The address to bind: an IP literal, "*" (all interfaces, IPv6 and IPv4), or a host name.
  tcp::endpoint resolve(net::io_context& io, beast::error_code& ec) const {
    std::string host = options_.host == "*" ? "::" : options_.host;
    auto address = net::ip::make_address(host, ec);
    if (!ec) return tcp::endpoint(address, options_.port);
    tcp::resolver resolver(io);
    auto found = resolver.resolve(host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (!ec && found.empty()) ec = net::error::host_not_found;
    if (ec) return {};
    return found.begin()->endpoint();
  }

  void accept() {
    acceptor_->async_accept(net::make_strand(*io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
      if (ec) {
        // Out of descriptors (or another transient failure): give the open connections a moment
        // to end before accepting again, without holding an I/O thread.
        warnRateLimited(fmt::format("accept failed: {}; retrying in 100 ms", ec.message()));
        retry_->expires_after(std::chrono::milliseconds(100));
        retry_->async_wait([this](beast::error_code waited) {
          if (!waited && acceptor_->is_open()) accept();
        });
        return;
      }
      if (admit()) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), state_)->start();
      } else {
        socket.close(ec);
      }
      accept();
    });
  }

  // False (and a warning) when the connection cap is reached.
  bool admit() {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->sessions.size() < cap_) return true;
    }
    warnRateLimited(fmt::format("{} connections open, the limit: new connections are closed at once", cap_));
    return false;
  }

  // Logs `text` unless a warning was logged in the last 10 s (a flood must not flood the log).
  void warnRateLimited(const std::string& text) {
    std::lock_guard lock(state_->mutex);
    auto now = Clock::now();
    if (now - state_->lastWarning < std::chrono::seconds(10)) return;
    state_->lastWarning = now;
    spdlog::warn("http: {}", text);
  }

  ServerOptions options_;
  RequestHandler handler_;
  std::mutex lifecycle_;
  std::shared_ptr<ServerState> state_;
  std::unique_ptr<net::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::steady_timer> retry_;   // accept retry after a failure; on the acceptor's strand
  std::vector<std::thread> threads_;
  size_t cap_ = 0;
  uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<Server> makeBeastServer(ServerOptions options, RequestHandler handler) {
  return std::make_unique<BeastServer>(std::move(options), std::move(handler));
}

}  // namespace patbot::http
