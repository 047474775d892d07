#include "tests/http/test_websocket_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace patbot::http::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

}  // namespace

// Everything but the seen* fields and the counters is touched on the server's thread only.
struct TestWebSocketServer::State {
  struct Connection {
    explicit Connection(tcp::socket socket) : ws(std::move(socket)) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> upgrade;
    std::deque<std::string> outbox;
    bool writing = false;
    bool done = false;   // silent, dropped or failed: no more operations are started
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  Options options;
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::vector<ConnectionPtr> connections;
  std::vector<int> silentFds;   // kept open, never read, closed by the destructor

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<std::string> seenMessages;
  std::vector<std::string> seenTargets;
  std::vector<std::string> seenAgents;

  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto connection = std::make_shared<Connection>(std::move(socket));
      connections.push_back(connection);
      bhttp::async_read(connection->ws.next_layer(), connection->buffer, connection->upgrade,
                        [this, connection](beast::error_code readError, size_t) {
                          if (readError) return;
                          upgrade(connection);
                        });
      accept();
    });
  }

  void upgrade(const ConnectionPtr& connection) {
    std::string target(connection->upgrade.target());
    std::string agent(connection->upgrade[bhttp::field::user_agent]);
    connection->ws.async_accept(connection->upgrade, [this, connection, target, agent](beast::error_code ec) {
      if (ec) return;
      {
        std::lock_guard lock(mutex);
        seenTargets.push_back(target);
        seenAgents.push_back(agent);
      }
      changed.notify_all();
      for (const auto& text : options.greeting) write(connection, text);
      if (options.silentAfterGreeting && options.greeting.empty()) return silence(connection);
      if (!options.silentAfterGreeting) read(connection);
    });
  }

  void read(const ConnectionPtr& connection) {
    connection->buffer.consume(connection->buffer.size());
    connection->ws.async_read(connection->buffer, [this, connection](beast::error_code ec, size_t) {
      if (ec || connection->done) return;
      std::string text = beast::buffers_to_string(connection->buffer.data());
      {
        std::lock_guard lock(mutex);
        seenMessages.push_back(text);
      }
      changed.notify_all();
      if (options.echo) write(connection, text);
      read(connection);
    });
  }

  void write(const ConnectionPtr& connection, std::string text) {
    if (connection->done) return;
    connection->outbox.push_back(std::move(text));
    writeNext(connection);
  }

  void writeNext(const ConnectionPtr& connection) {
    if (connection->writing || connection->outbox.empty() || connection->done) return;
    connection->writing = true;
    connection->ws.async_write(net::buffer(connection->outbox.front()),
                               [this, connection](beast::error_code ec, size_t) {
                                 connection->writing = false;
                                 connection->outbox.pop_front();
                                 if (ec) return;
                                 if (connection->outbox.empty() && options.silentAfterGreeting) {
                                   return silence(connection);
                                 }
                                 writeNext(connection);
                               });
  }

  void silence(const ConnectionPtr& connection) {
    if (connection->done) return;
    connection->done = true;
    int fd = ::dup(connection->ws.next_layer().native_handle());
    if (fd >= 0) silentFds.push_back(fd);
    beast::error_code ignored;
    connection->ws.next_layer().close(ignored);   // pending operations end; the dup keeps TCP up
  }

  void dropConnection(const ConnectionPtr& connection) {
    if (connection->done) return;
    connection->done = true;
    beast::error_code ignored;
    connection->ws.next_layer().set_option(net::socket_base::linger(true, 0), ignored);
    connection->ws.next_layer().close(ignored);
  }
};

TestWebSocketServer::TestWebSocketServer() : TestWebSocketServer(Options{}) {}

TestWebSocketServer::TestWebSocketServer(Options options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(net::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  state_->port = state_->acceptor.local_endpoint().port();
  state_->accept();
  state_->thread = std::thread([state = state_.get()] { state->ioc.run(); });
}

TestWebSocketServer::~TestWebSocketServer() {
  net::post(state_->ioc, [state = state_.get()] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    for (auto& connection : state->connections) connection->ws.next_layer().close(ignored);
  });
  state_->work.reset();
  state_->thread.join();
  for (int fd : state_->silentFds) ::close(fd);
}

uint16_t TestWebSocketServer::port() const { return state_->port; }

std::string TestWebSocketServer::url(const std::string& pathAndQuery) const {
  return "ws://127.0.0.1:" + std::to_string(state_->port) + pathAndQuery;
}

void TestWebSocketServer::send(const std::string& text) {
  net::post(state_->ioc, [state = state_.get(), text] {
    for (auto& connection : state->connections) state->write(connection, text);
  });
}

void TestWebSocketServer::closeWith(uint16_t code, const std::string& reason) {
  net::post(state_->ioc, [state = state_.get(), code, reason] {
    for (auto& connection : state->connections) {
      if (connection->done || !connection->ws.is_open()) continue;
      connection->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [](beast::error_code) {});
    }
  });
}

void TestWebSocketServer::goSilent() {
  net::post(state_->ioc, [state = state_.get()] {
    for (auto& connection : state->connections) state->silence(connection);
  });
}

void TestWebSocketServer::drop() {
  net::post(state_->ioc, [state = state_.get()] {
    for (auto& connection : state->connections) state->dropConnection(connection);
  });
}

std::vector<std::string> TestWebSocketServer::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->seenMessages;
}

std::vector<std::string> TestWebSocketServer::targets() const {
  std::lock_guard lock(state_->mutex);
  return state_->seenTargets;
}

std::vector<std::string> TestWebSocketServer::userAgents() const {
  std::lock_guard lock(state_->mutex);
  return state_->seenAgents;
}

bool TestWebSocketServer::waitForReceived(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->seenMessages.size() >= count; });
}

bool TestWebSocketServer::waitForConnections(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->seenTargets.size() >= count; });
}

}  // namespace patbot::http::testing
