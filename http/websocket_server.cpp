// WebSocketServer over Boost.Beast (see websocket_server.h for the contract).
//
// Each connection is a WebSocketSession on its own strand: read the upgrade request (under the
// head limit and the handshake timeout), ask the handler, refuse with its Response or complete
// the handshake, then one read always pending (Beast answers pings inside it) and one outgoing
// queue written a frame at a time (Beast allows one write-like operation at a time: text, ping
// and close all go through the queue, so they leave in the order they were queued).
//
// Silence cancels the pending WebSocket read, which puts the Beast stream in its failed state
// (nothing more can be sent, which is what silence wants) while the TCP socket stays open; raw
// reads of the socket then drop whatever the client sends until its TCP connection ends, so the
// client's own close is still noticed.
//
// A session is owned by its pending operations only (WebSocketPeer holds it weakly), and
// unregisters itself when destroyed; stop() closes every socket, waits for the sessions to go
// (bounded), then stops the io_context and joins its threads.
#include "http/websocket_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/lower_case.h"
#include "http/url.h"

namespace patbot::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

const char* webSocketCloserName(WebSocketCloser closer) {
  switch (closer) {
    case WebSocketCloser::kClient:
      return "client";
    case WebSocketCloser::kServer:
      return "server";
    case WebSocketCloser::kAbort:
      return "abort";
  }
  return "client";
}

namespace {

constexpr auto kStopGrace = std::chrono::seconds(2);
constexpr size_t kDrainChunk = 4096;
constexpr size_t kMaxControlPayload = 125;  // a ping's payload (RFC 6455 5.5)

}  // namespace

// What the sessions of one server share. Lives as long as the longest of the server and its
// sessions.
struct WebSocketShared {
  WebSocketHandler* handler = nullptr;
  WebSocketServerOptions options;
  std::atomic<uint64_t> nextId{1};

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::unordered_map<uint64_t, std::weak_ptr<detail::WebSocketSession>> sessions;  // live ones
};

namespace detail {

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket socket, std::shared_ptr<WebSocketShared> shared)
      : ws_(std::move(socket)), shared_(std::move(shared)), id_(shared_->nextId++) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  }

  ~WebSocketSession() {
    std::lock_guard lock(shared_->mutex);
    shared_->sessions.erase(id_);
    shared_->changed.notify_all();
  }

  // Registers the session, then reads the upgrade request; false when the server is stopping.
  bool start() {
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->stopping) return false;
      shared_->sessions.emplace(id_, weak_from_this());
    }
    peer_ = WebSocketPeer(id_, remote_, weak_from_this());
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->readUpgrade(); });
    return true;
  }

  // --- called through WebSocketPeer (any thread): each hops onto the strand -------------------

  void queueText(std::string text, std::function<void(bool)> written) {
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text), written = std::move(written)]() mutable {
      self->enqueue(Outbound{Outbound::kText, std::move(text), 0, std::move(written)});
    });
  }
  void queuePing(std::string payload) {
    if (payload.size() > kMaxControlPayload) payload.resize(kMaxControlPayload);
    net::post(ws_.get_executor(), [self = shared_from_this(), payload = std::move(payload)]() mutable {
      self->enqueue(Outbound{Outbound::kPing, std::move(payload), 0, {}});
    });
  }
  void queueClose(uint16_t code, std::string reason) {
    if (reason.size() > 123) reason.resize(123);  // a close frame's payload is at most 125 bytes
    net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
      if (self->silent_) return self->abortNow();
      self->enqueue(Outbound{Outbound::kClose, std::move(reason), code, {}});
    });
  }
  void queueAbort() {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->abortNow(); });
  }
  void queueSilence() {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->silenceNow(); });
  }
  // server stop(): drop TCP, report kServer.
  void queueStop() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::kOpen) self->finish(WebSocketCloser::kServer, 0, "");
      self->closeSocket();
    });
  }

 private:
  enum class Phase { kUpgrade, kOpen, kEnded };

  struct Outbound {
    enum Kind { kText, kPing, kClose } kind;
    std::string data;   // text, ping payload, or close reason
    uint16_t code = 0;  // close code
    std::function<void(bool)> written;
  };

  tcp::socket& socket() { return beast::get_lowest_layer(ws_).socket(); }

  // Calls into the application; an exception is logged, never propagated onto the I/O thread.
  template <typename F>
  void callHandler(const char* what, F&& f) {
    try {
      f(*shared_->handler);
    } catch (const std::exception& e) {
      spdlog::error("websocket: handler {} failed for connection {}: {}", what, id_, e.what());
    } catch (...) {
      spdlog::error("websocket: handler {} failed for connection {}", what, id_);
    }
  }

  // --- upgrade ----------------------------------------------------------------------------------

  void readUpgrade() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->options.maxHeaderBytes));
    parser_->body_limit(4096);
    beast::get_lowest_layer(ws_).expires_after(shared_->options.handshakeTimeout);
    bhttp::async_read(beast::get_lowest_layer(ws_), buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->onUpgrade(ec); });
  }

  void onUpgrade(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return refuse(Response::text(431, "request header fields too large"));
    if (ec) return closeSocket();  // the client left, stalled, or sent garbage: nothing to answer
    const auto& request = parser_->get();
    std::string_view target(request.target().data(), request.target().size());
    size_t question = target.find('?');
    upgrade_.path = urlDecode(target.substr(0, question));
    if (question != std::string_view::npos) upgrade_.query = std::string(target.substr(question + 1));
    upgrade_.remote = remote_;
    for (const auto& field : request) {
      std::string name = lowerCase({field.name_string().data(), field.name_string().size()});
      auto [it, inserted] = upgrade_.headers.try_emplace(std::move(name), std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());
    }
    if (!websocket::is_upgrade(request)) return refuse(Response::text(426, "websocket upgrade required"));
    std::optional<Response> refusal;
    bool failed = true;
    callHandler("admit", [&](WebSocketHandler& h) {
      refusal = h.admit(upgrade_);
      failed = false;
    });
    if (failed) return refuse(Response::text(500, "internal error"));
    if (refusal) return refuse(*refusal);

    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket stream keeps its own timer
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = shared_->options.handshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(shared_->options.maxMessageBytes);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      // Runs inside a read on the strand; `this` is alive because that read holds it.
      if (kind == websocket::frame_type::pong) callHandler("pong", [&](WebSocketHandler& h) { h.pong(peer_); });
      if (kind == websocket::frame_type::ping) callHandler("pinged", [&](WebSocketHandler& h) { h.pinged(peer_); });
    });
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code accepted) {
      if (accepted) return self->closeSocket();
      self->phase_ = Phase::kOpen;
      self->callHandler("opened", [&](WebSocketHandler& h) { h.opened(self->peer_, self->upgrade_); });
      self->read();
      self->pump();
    });
  }

  void refuse(const Response& response) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(11);
    bool valid = response.status >= 100 && response.status <= 999;
    out->result(static_cast<unsigned>(valid ? response.status : 500));
    for (const auto& [name, value] : response.headers) {
      if (beast::iequals(name, "content-length") || beast::iequals(name, "connection")) continue;
      out->set(name, value);
    }
    out->body() = response.body;
    out->keep_alive(false);
    out->prepare_payload();
    beast::get_lowest_layer(ws_).expires_after(shared_->options.handshakeTimeout);
    bhttp::async_write(beast::get_lowest_layer(ws_), *out, [self = shared_from_this(), out](beast::error_code, size_t) {
      beast::error_code ignored;
      self->socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->closeSocket();
    });
  }

  // --- reading ----------------------------------------------------------------------------------

  void read() {
    ws_.async_read(incoming_, [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (phase_ != Phase::kOpen) return;
    if (silent_) return drain();  // the read silence cancelled (or one that finished meanwhile)
    if (!ec) {
      std::string message = beast::buffers_to_string(incoming_.data());
      incoming_.consume(incoming_.size());
      callHandler("text", [&](WebSocketHandler& h) { h.text(peer_, std::move(message)); });
      if (phase_ == Phase::kOpen && !silent_) read();
      return;
    }
    if (aborted_) return finish(WebSocketCloser::kAbort, 0, "");
    if (closing_) return finish(WebSocketCloser::kServer, closeCode_, closeReason_);
    if (ec == websocket::error::closed) {
      const auto& reason = ws_.reason();
      return finish(WebSocketCloser::kClient, static_cast<uint16_t>(reason.code), std::string(reason.reason.data(), reason.reason.size()));
    }
    finish(WebSocketCloser::kClient, 0, "");  // TCP ended without a close frame, or failed
  }

  // Silent: drop raw bytes until the client's TCP connection ends (or the socket is closed).
  void drain() {
    if (phase_ != Phase::kOpen) return;
    if (!scratch_) scratch_ = std::make_unique<char[]>(kDrainChunk);
    socket().async_read_some(net::buffer(scratch_.get(), kDrainChunk), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->phase_ != Phase::kOpen) return;
      if (!ec) return self->drain();
      self->finish(self->aborted_ ? WebSocketCloser::kAbort : WebSocketCloser::kClient, 0, "");
    });
  }

  // --- writing ----------------------------------------------------------------------------------

  void enqueue(Outbound out) {
    if (phase_ == Phase::kEnded || silent_ || closeQueued_) {
      if (out.written) out.written(false);
      return;
    }
    if (out.kind == Outbound::kClose) closeQueued_ = true;
    queue_.push_back(std::move(out));
    pump();
  }

  void pump() {
    if (phase_ != Phase::kOpen || writing_ || queue_.empty() || silent_) return;
    writing_ = true;
    Outbound& next = queue_.front();
    auto done = [self = shared_from_this()](beast::error_code ec, size_t = 0) { self->onWritten(ec); };
    switch (next.kind) {
      case Outbound::kText:
        ws_.text(true);
        ws_.async_write(net::buffer(next.data), done);
        break;
      case Outbound::kPing:
        ws_.async_ping(websocket::ping_data(next.data.data(), next.data.size()), [done](beast::error_code ec) { done(ec); });
        break;
      case Outbound::kClose:
        closing_ = true;
        closeCode_ = next.code;
        closeReason_ = next.data;
        ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(next.code), next.data), [done](beast::error_code ec) { done(ec); });
        break;
    }
  }

  void onWritten(beast::error_code ec) {
    writing_ = false;
    Outbound sent = std::move(queue_.front());
    queue_.pop_front();
    if (sent.written) sent.written(!ec);
    if (phase_ != Phase::kOpen || silent_) return;
    if (ec && sent.kind != Outbound::kClose) {
      closeSocket();  // the pending read then fails and reports the end
      return;
    }
    pump();
  }

  // Drops what is queued, except the frame being written: its buffer must live until its write
  // completes (onWritten pops it).
  void dropQueue() {
    std::deque<Outbound> dropped;
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      dropped.push_back(std::move(queue_.back()));
      queue_.pop_back();
    }
    for (auto& out : dropped) {
      if (out.written) out.written(false);
    }
  }

  // --- ending -----------------------------------------------------------------------------------

  void abortNow() {
    if (phase_ != Phase::kOpen) return closeSocket();
    aborted_ = true;
    finish(WebSocketCloser::kAbort, 0, "");
  }

  void silenceNow() {
    if (phase_ != Phase::kOpen || silent_) return;
    silent_ = true;
    dropQueue();
    // Cancels the pending read (and any write); onRead then starts the raw drain.
    beast::get_lowest_layer(ws_).cancel();
  }

  // Reports the end once, then closes the socket (Beast's own teardown, if any, already ran).
  void finish(WebSocketCloser by, uint16_t code, std::string reason) {
    if (phase_ == Phase::kEnded) return;
    phase_ = Phase::kEnded;
    dropQueue();
    closeSocket();
    WebSocketClosed how{by, code, std::move(reason)};
    callHandler("closed", [&](WebSocketHandler& h) { h.closed(peer_, how); });
  }

  void closeSocket() {
    beast::error_code ignored;
    socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WebSocketShared> shared_;
  const uint64_t id_;
  std::string remote_;
  WebSocketPeer peer_;
  WebSocketUpgrade upgrade_;
  beast::flat_buffer buffer_;  // the upgrade request
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;
  beast::flat_buffer incoming_;
  std::unique_ptr<char[]> scratch_;  // silent drain only
  std::deque<Outbound> queue_;       // front() is being written while writing_
  Phase phase_ = Phase::kUpgrade;
  bool writing_ = false;
  bool closeQueued_ = false;
  bool closing_ = false;  // our close frame is on its way or out
  uint16_t closeCode_ = 0;
  std::string closeReason_;
  bool silent_ = false;
  bool aborted_ = false;
};

}  // namespace detail

// --- WebSocketPeer -------------------------------------------------------------------------------

void WebSocketPeer::sendText(std::string text, std::function<void(bool)> written) const {
  if (auto s = session_.lock()) {
    s->queueText(std::move(text), std::move(written));
  } else if (written) {
    written(false);
  }
}
void WebSocketPeer::ping(std::string payload) const {
  if (auto s = session_.lock()) s->queuePing(std::move(payload));
}
void WebSocketPeer::close(uint16_t code, std::string reason) const {
  if (auto s = session_.lock()) s->queueClose(code, std::move(reason));
}
void WebSocketPeer::abort() const {
  if (auto s = session_.lock()) s->queueAbort();
}
void WebSocketPeer::goSilent() const {
  if (auto s = session_.lock()) s->queueSilence();
}

// --- WebSocketServer ---------------------------------------------------------------------------

namespace {

void runLogged(net::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("websocket: an I/O handler failed: {}", e.what());
    } catch (...) {
      spdlog::error("websocket: an I/O handler failed");
    }
  }
}

}  // namespace

struct WebSocketServer::Impl {
  std::shared_ptr<WebSocketShared> shared = std::make_shared<WebSocketShared>();
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
  std::unique_ptr<net::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;

  void accept() {
    acceptor->async_accept(net::make_strand(*io), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor->is_open()) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<detail::WebSocketSession>(std::move(socket), shared);
        if (!session->start()) return;
      } else if (ec == net::error::operation_aborted) {
        return;
      }
      accept();
    });
  }
};

WebSocketServer::WebSocketServer(WebSocketServerOptions options, WebSocketHandler& handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared->handler = &handler;
  impl_->shared->options = std::move(options);
}

WebSocketServer::~WebSocketServer() { stop(); }

Status WebSocketServer::start() {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->started) return okStatus();
  const auto& options = impl_->shared->options;
  size_t threads = std::max<size_t>(1, options.threads);
  auto io = std::make_unique<net::io_context>(static_cast<int>(threads));
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*io));
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(*io);
    auto found = resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive, ec);
    if (!ec && found.empty()) ec = net::error::host_not_found;
    if (!ec) endpoint = found.begin()->endpoint();
  }
  if (!ec) acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(ErrorKind::kUnavailable, fmt::format("cannot listen on {}:{}", options.host, options.port),
                       ec.message());
  }
  impl_->port = acceptor->local_endpoint().port();
  impl_->io = std::move(io);
  impl_->acceptor = std::move(acceptor);
  impl_->started = true;
  impl_->accept();
  for (size_t i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([io = impl_->io.get()] { runLogged(*io); });
  }
  return okStatus();
}

void WebSocketServer::stop() {
  std::lock_guard lock(impl_->lifecycle);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  auto& shared = *impl_->shared;
  std::vector<std::shared_ptr<detail::WebSocketSession>> live;
  {
    std::lock_guard stateLock(shared.mutex);
    shared.stopping = true;
    for (const auto& [id, weak] : shared.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  net::post(impl_->acceptor->get_executor(), [acceptor = impl_->acceptor.get()] {
    beast::error_code ignored;
    acceptor->close(ignored);
  });
  for (const auto& session : live) session->queueStop();
  live.clear();
  {
    std::unique_lock stateLock(shared.mutex);
    shared.changed.wait_for(stateLock, kStopGrace, [&] { return shared.sessions.empty(); });
  }
  impl_->io->stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->io.reset();  // destroys what is still pending, sessions included
}

uint16_t WebSocketServer::port() const { return impl_->port; }

}  // namespace patbot::http
