// BeastWebSocket: the WebSocket interface over Boost.Beast's websocket::stream, on a tcp_stream
// (ws://) or an OpenSSL ssl_stream over one (wss://).
//
// Threads: each connection owns an io_context and the one thread that runs it; every Beast
// object (resolver, stream, timers, buffers, the write queue) is touched on that thread only, so
// the io_context is the connection's strand. The caller's threads meet it in `Shared` (under its
// mutex) and by posting to the io_context. The io thread runs until the destructor (a work guard
// keeps it alive), so whatever read(), send() or close() post is always run.
//
// Opening: resolve, TCP connect, [proxy CONNECT], [TLS handshake], upgrade, each an async step;
// one timer bounds them all (it cancels the resolver and closes the socket). Open: a read is
// always outstanding (messages go to the queue read() waits on), and Beast's timeout option
// pings after idleTimeout / 2 of silence and fails the read after idleTimeout. Writes go one at a
// time from a queue (Beast allows one outstanding write).
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "http/websocket_client.h"
#include "http/websocket_ending.h"

namespace patbot::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kCloseWait = 1s;                 // for the peer's answer to our close frame
constexpr auto kThreadSlack = 500ms;            // past a bound the io thread enforces, before giving up on it
constexpr size_t kProxyHeadLimit = 16 * 1024;   // the proxy's answer to CONNECT

// One send() waiting for its message to be written.
struct PendingWrite {
  std::string text;
  std::optional<Status> result;   // under Shared::mutex
  std::condition_variable done;   // notified once `result` is set: wakes this sender only
};

// What the caller's threads share with the io thread; every field under `mutex`.
struct Shared {
  std::mutex mutex;
  // Three condition variables, so that a message read wakes only the reader and a write done only
  // its sender (one shared one made every frame wake every waiting thread): `changed` for the
  // opening and the socket's end (opened, socketClosed), `readable` for read() (messages, ended,
  // closedLocally), PendingWrite::done for each send(). Whoever sets `ended` notifies all three.
  std::condition_variable changed;
  std::condition_variable readable;
  std::optional<Status> opened;            // the opening's outcome
  std::deque<std::string> messages;        // read, not yet taken by read()
  std::optional<Error> ended;              // how the connection ended; set once
  bool closedLocally = false;              // close() was called: read() stops taking messages
  bool socketClosed = false;               // the io thread has shut the socket
};

std::string hostHeader(const ParsedUrl& url) {
  bool defaultPort = (url.scheme == "wss" && url.port == 443) || (url.scheme == "ws" && url.port == 80);
  if (!defaultPort) return hostPort(url);
  return url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
}

bool isIpLiteral(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string describe(const beast::error_code& ec) {
  return fmt::format("{} ({}:{})", ec.message(), ec.category().name(), ec.value());
}

template <bool kTls>
class BeastWebSocket final : public WebSocket {
 public:
  using Layer = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  using Stream = websocket::stream<Layer>;

  BeastWebSocket(ParsedUrl url, std::optional<ParsedUrl> proxy, WebSocketOptions options)
      : url_(std::move(url)), proxy_(std::move(proxy)), options_(std::move(options)), ending_(url_.host) {}

  ~BeastWebSocket() override {
    close();
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  BeastWebSocket(const BeastWebSocket&) = delete;
  BeastWebSocket& operator=(const BeastWebSocket&) = delete;

  // Blocks until the connection is open or the opening failed (bounded by connectTimeout).
  // `tls` (wss:// only) is kept for the connection's life.
  Status open(std::unique_ptr<ssl::context> tls) {
    tls_ = std::move(tls);
    if constexpr (kTls) {
      stream_.emplace(ioc_, *tls_);
    } else {
      stream_.emplace(ioc_);
    }
    thread_ = std::thread([this] { ioc_.run(); });
    net::post(ioc_, [this] { startOpening(); });
    std::unique_lock lock(shared_.mutex);
    if (!shared_.changed.wait_for(lock, options_.connectTimeout + kThreadSlack,
                                  [&] { return shared_.opened.has_value(); })) {
      // Only a name lookup that outlives connectTimeout gets here: getaddrinfo cannot be
      // cancelled, and the resolver's destructor waits for it (see openConnection).
      lookupHangs_ = true;
      return ending_.openingTimedOut(options_.connectTimeout, "resolving");
    }
    return *shared_.opened;
  }

  // open() gave up on a name lookup still under way.
  bool lookupHangs() const { return lookupHangs_; }

  Result<std::string> read() override {
    std::unique_lock lock(shared_.mutex);
    shared_.readable.wait(lock, [&] {
      return shared_.closedLocally || !shared_.messages.empty() || shared_.ended.has_value();
    });
    if (!shared_.closedLocally && !shared_.messages.empty()) {
      std::string message = std::move(shared_.messages.front());
      shared_.messages.pop_front();
      return message;
    }
    return *shared_.ended;
  }

  Status send(const std::string& text) override {
    auto write = std::make_shared<PendingWrite>();
    write->text = text;
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.ended) return *shared_.ended;
    }
    net::post(ioc_, [this, write] {
      writes_.push_back(write);
      writeNext();
    });
    std::unique_lock lock(shared_.mutex);
    if (write->done.wait_for(lock, options_.idleTimeout, [&] { return write->result.has_value(); })) {
      return *write->result;
    }
    // The peer has not taken a message for idleTimeout: as dead as one that sends nothing.
    if (!shared_.ended) shared_.ended = ending_.writeStuck(options_.idleTimeout);
    Error error = *shared_.ended;
    lock.unlock();
    shared_.changed.notify_all();
    shared_.readable.notify_all();
    net::post(ioc_, [this, error] { endWith(error); });   // the first cause stays
    return error;
  }

  void close() override {
    bool first = false;
    {
      std::lock_guard lock(shared_.mutex);
      if (!shared_.ended) shared_.ended = ending_.closedLocally();
      first = !shared_.closedLocally;
      shared_.closedLocally = true;
    }
    shared_.changed.notify_all();
    shared_.readable.notify_all();
    if (first && thread_.joinable()) net::post(ioc_, [this] { startClose(); });
    std::unique_lock lock(shared_.mutex);
    shared_.changed.wait_for(lock, kCloseWait + kThreadSlack, [&] { return shared_.socketClosed; });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(*stream_); }

  // --- opening (io thread) -------------------------------------------------------------------

  const ParsedUrl& firstHop() const { return proxy_ ? *proxy_ : url_; }

  void startOpening() {
    openTimer_.expires_after(options_.connectTimeout);
    openTimer_.async_wait([this](beast::error_code ec) {
      if (ec || openDone_) return;
      openTimedOut_ = true;
      resolver_.cancel();
      tcp().close();
    });
    phase_ = OpeningPhase::kResolving;
    resolver_.async_resolve(firstHop().host, std::to_string(firstHop().port),
                            [this](beast::error_code ec, tcp::resolver::results_type results) {
                              if (ec) return failOpening(ec);
                              phase_ = OpeningPhase::kConnecting;
                              tcp().async_connect(results, [this](beast::error_code ec2, const tcp::endpoint&) {
                                if (ec2) return failOpening(ec2);
                                proxy_ ? startProxyConnect() : startTls();
                              });
                            });
  }

  void startProxyConnect() {
    phase_ = OpeningPhase::kProxy;
    proxyRequest_ = {};
    proxyRequest_.method(bhttp::verb::connect);
    proxyRequest_.target(hostPort(url_));
    proxyRequest_.version(11);
    proxyRequest_.set(bhttp::field::host, hostPort(url_));
    if (!options_.userAgent.empty()) proxyRequest_.set(bhttp::field::user_agent, options_.userAgent);
    bhttp::async_write(tcp(), proxyRequest_, [this](beast::error_code ec, size_t) {
      if (ec) return failOpening(ec);
      proxyAnswer_.emplace();
      proxyAnswer_->skip(true);   // a 2xx to CONNECT has no body, whatever its headers say
      proxyAnswer_->header_limit(kProxyHeadLimit);
      bhttp::async_read(tcp(), proxyBuffer_, *proxyAnswer_, [this](beast::error_code ec2, size_t) {
        if (ec2) return failOpening(ec2);
        unsigned status = proxyAnswer_->get().result_int();
        if (status / 100 != 2) {
          return finishOpening(ending_.proxyRefused(hostPort(*proxy_), hostPort(url_), status));
        }
        // The tunnel is the destination's from here; the destination does not speak first (TLS
        // and the upgrade both start with the client), so nothing can be left in proxyBuffer_.
        startTls();
      });
    });
  }

  void startTls() {
    if constexpr (kTls) {
      phase_ = OpeningPhase::kTls;
      auto& tls = stream_->next_layer();
      if (!isIpLiteral(url_.host) && !SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str())) {
        return finishOpening(ending_.openingFailed(phase_, "SNI could not be set"));
      }
      tls.set_verify_mode(ssl::verify_peer);
      tls.set_verify_callback(ssl::host_name_verification(url_.host));
      tls.async_handshake(ssl::stream_base::client, [this](beast::error_code ec) {
        if (ec) return failOpening(ec);
        startUpgrade();
      });
    } else {
      startUpgrade();
    }
  }

  void startUpgrade() {
    phase_ = OpeningPhase::kUpgrade;
    stream_->set_option(websocket::stream_base::decorator([agent = options_.userAgent](websocket::request_type& request) {
      if (!agent.empty()) request.set(bhttp::field::user_agent, agent);
    }));
    stream_->read_message_max(options_.maxMessageBytes);
    stream_->text(true);
    stream_->async_handshake(upgradeAnswer_, hostHeader(url_), url_.pathAndQuery, [this](beast::error_code ec) {
      if (ec) {
        unsigned status = upgradeAnswer_.result_int();
        if (!openTimedOut_ && status != 0 && status != 101) {
          return finishOpening(ending_.upgradeRefused(status, describe(ec)));
        }
        return failOpening(ec);
      }
      // From here Beast's own timer: pings after idleTimeout / 2 of silence, the read fails with
      // beast::error::timeout after idleTimeout; the close handshake is bounded by kCloseWait.
      stream_->set_option(websocket::stream_base::timeout{kCloseWait, options_.idleTimeout, true});
      finishOpening(okStatus());
      readNext();
    });
  }

  void failOpening(const beast::error_code& ec) {
    finishOpening(openTimedOut_ ? ending_.openingTimedOut(options_.connectTimeout, phaseName(phase_))
                                : ending_.openingFailed(phase_, describe(ec), proxy_ ? hostPort(*proxy_) : ""));
  }

  void finishOpening(Status outcome) {
    if (openDone_) return;
    openDone_ = true;
    openTimer_.cancel();
    if (!outcome.ok()) shutSocket();
    {
      std::lock_guard lock(shared_.mutex);
      shared_.opened = std::move(outcome);
    }
    shared_.changed.notify_all();
  }

  // --- open (io thread) ------------------------------------------------------------------------

  void readNext() {
    stream_->async_read(readBuffer_, [this](beast::error_code ec, size_t) {
      if (ec) return endWith(readEnding(ec));
      {
        std::lock_guard lock(shared_.mutex);
        shared_.messages.push_back(beast::buffers_to_string(readBuffer_.data()));
      }
      shared_.readable.notify_one();   // one reader at a time (read()'s contract)
      readBuffer_.consume(readBuffer_.size());
      readNext();
    });
  }

  // How a failed read ended the connection.
  Error readEnding(const beast::error_code& ec) const {
    if (ec == websocket::error::closed) {
      const auto& reason = stream_->reason();
      return ending_.closedByPeer(reason.code, std::string(reason.reason.data(), reason.reason.size()));
    }
    if (ec == beast::error::timeout) return ending_.dead(options_.idleTimeout);
    if (ec == websocket::error::message_too_big) return ending_.tooLarge(options_.maxMessageBytes);
    if (ec == net::error::connection_reset || ec == net::error::broken_pipe) return ending_.reset(describe(ec));
    if (ec == net::error::eof || ec == ssl::error::stream_truncated) return ending_.dropped(describe(ec));
    return ending_.readFailed(describe(ec));
  }

  void writeNext() {
    if (writing_ || writes_.empty()) return;
    auto write = writes_.front();
    writes_.pop_front();
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.ended) {
        write->result = *shared_.ended;
        write->done.notify_all();
        return writeNext();
      }
    }
    writing_ = true;
    stream_->async_write(net::buffer(write->text), [this, write](beast::error_code ec, size_t) {
      writing_ = false;
      {
        std::lock_guard lock(shared_.mutex);
        write->result = ec ? Status(shared_.ended ? *shared_.ended : ending_.writeFailed(describe(ec)))
                           : okStatus();
        write->done.notify_all();
      }
      if (ec) return endWith(ending_.writeFailed(describe(ec)));
      writeNext();
    });
  }

  // Records how the connection ended (the first cause wins), fails the queued writes, and shuts
  // the socket unless a close handshake is under way (startClose shuts it when that ends).
  void endWith(Error cause) {
    {
      std::lock_guard lock(shared_.mutex);
      if (!shared_.ended) shared_.ended = std::move(cause);
      for (auto& write : writes_) {
        write->result = *shared_.ended;
        write->done.notify_all();
      }
    }
    writes_.clear();
    shared_.changed.notify_all();
    shared_.readable.notify_all();
    if (!closing_) shutSocket();
  }

  void startClose() {
    if (closing_) return;
    closing_ = true;
    if (!openDone_ || !stream_->is_open()) return shutSocket();
    closeTimer_.expires_after(kCloseWait);
    closeTimer_.async_wait([this](beast::error_code ec) {
      if (!ec) shutSocket();
    });
    stream_->async_close(websocket::close_code::normal, [this](beast::error_code) {
      closeTimer_.cancel();
      shutSocket();
    });
  }

  void shutSocket() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
    {
      std::lock_guard lock(shared_.mutex);
      shared_.socketClosed = true;
    }
    shared_.changed.notify_all();
  }

  const ParsedUrl url_;
  const std::optional<ParsedUrl> proxy_;
  const WebSocketOptions options_;
  const WebSocketEnding ending_;
  Shared shared_;

  // Destroyed in reverse order: everything using the io_context before it, the stream before its
  // TLS context.
  net::io_context ioc_{1};
  std::unique_ptr<ssl::context> tls_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::optional<Stream> stream_;
  tcp::resolver resolver_{ioc_};
  net::steady_timer openTimer_{ioc_};
  net::steady_timer closeTimer_{ioc_};

  bool lookupHangs_ = false;   // the opening thread's

  // io thread only
  OpeningPhase phase_ = OpeningPhase::kResolving;
  bool openDone_ = false;
  bool openTimedOut_ = false;
  bool closing_ = false;
  bool writing_ = false;
  bhttp::request<bhttp::empty_body> proxyRequest_;
  std::optional<bhttp::response_parser<bhttp::empty_body>> proxyAnswer_;
  beast::flat_buffer proxyBuffer_;
  websocket::response_type upgradeAnswer_;
  beast::flat_buffer readBuffer_;
  std::deque<std::shared_ptr<PendingWrite>> writes_;

  std::thread thread_;   // last: started in open(), joined in the destructor
};

// The TLS settings of a wss:// connection: peer verification against the system store and
// extraCaFile. kConfig when extraCaFile cannot be loaded.
Result<std::unique_ptr<ssl::context>> makeTlsContext(const WebSocketOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) spdlog::warn("websocket: system CA store not loaded: {}", ec.message());
  if (!options.extraCaFile.empty()) {
    context->load_verify_file(options.extraCaFile, ec);
    if (ec) {
      return Error::make(ErrorKind::kConfig, fmt::format("the CA file {} could not be loaded", options.extraCaFile),
                         describe(ec));
    }
  }
  return context;
}

template <bool kTls>
Result<std::unique_ptr<WebSocket>> openConnection(ParsedUrl url, std::optional<ParsedUrl> proxy,
                                                  const WebSocketOptions& options,
                                                  std::unique_ptr<ssl::context> tls) {
  auto socket = std::make_unique<BeastWebSocket<kTls>>(std::move(url), std::move(proxy), options);
  Status opened = socket->open(std::move(tls));
  if (!opened) {
    // Destroying a connection whose name lookup hangs blocks until the system resolver gives up
    // (resolv.conf's timeout times its attempts); that wait must not be the caller's.
    if (socket->lookupHangs()) std::thread([doomed = std::move(socket)]() mutable { doomed.reset(); }).detach();
    return opened.error();
  }
  return std::unique_ptr<WebSocket>(std::move(socket));
}

}  // namespace

Result<std::unique_ptr<WebSocket>> connectWebSocket(const std::string& url, const WebSocketOptions& options) {
  auto parsed = parseWebSocketUrl(url);
  if (!parsed) {
    return Error::make(ErrorKind::kInvalidInput, "the WebSocket URL is not a ws:// or wss:// URL",
                       "unparsable WebSocket URL (not shown: its query may hold a secret)");
  }
  std::optional<ParsedUrl> proxy;
  if (auto proxyUrl = options.proxy.proxyFor(url)) {
    proxy = parseProxyUrl(*proxyUrl);
    if (!proxy) {
      return Error::make(ErrorKind::kConfig,
                         fmt::format("the proxy configured for {}:// URLs is not an http:// proxy URL "
                                     "(https:// proxies and proxy credentials are not supported)",
                                     parsed->scheme),
                         fmt::format("connecting to {}", parsed->host));
    }
  }
  if (parsed->scheme == "ws") return openConnection<false>(std::move(*parsed), std::move(proxy), options, nullptr);
  auto tls = makeTlsContext(options);
  if (!tls) return tls.error();
  return openConnection<true>(std::move(*parsed), std::move(proxy), options, std::move(*tls));
}

}  // namespace patbot::http
