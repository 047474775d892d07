// A WebSocket server on 127.0.0.1:<ephemeral> for client tests (Boost.Beast, one thread of its
// own), with the misbehaviours a client must survive: it echoes or stays quiet, sends on demand,
// closes with a code, goes silent (answers nothing, not even pings, while the TCP connection stays
// open: a hung or half-open peer) and drops the TCP connection with a reset. Test code only; a
// library (patbot::test_net) so that tests in other folders can use it.
//
// Threads: the commands may be called from any thread; each is posted to the server's thread and
// applies to every connection open when it runs there, in the order called; they do not wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace patbot::http::testing {

class TestWebSocketServer {
 public:
  struct Options {
    bool echo = true;                     // send every message read back
    std::vector<std::string> greeting;    // sent to each client right after the upgrade
    bool silentAfterGreeting = false;     // then goSilent() at once
  };

  TestWebSocketServer();
  explicit TestWebSocketServer(Options options);
  ~TestWebSocketServer();   // stops and joins its thread; open connections are closed
  TestWebSocketServer(const TestWebSocketServer&) = delete;
  TestWebSocketServer& operator=(const TestWebSocketServer&) = delete;

  uint16_t port() const;
  std::string url(const std::string& pathAndQuery = "/") const;   // "ws://127.0.0.1:PORT" + pathAndQuery

  void send(const std::string& text);
  void closeWith(uint16_t code, const std::string& reason = "");
  // Stops reading and writing for good: the socket is handed to a file descriptor nobody reads,
  // so the kernel keeps the TCP connection up and no pong ever comes back.
  void goSilent();
  // Closes the TCP connection at once with a reset (SO_LINGER 0): no close frame.
  void drop();

  // What the server saw, under its lock: messages read (all connections, in arrival order), and
  // per upgrade its request target and User-Agent.
  std::vector<std::string> received() const;
  std::vector<std::string> targets() const;
  std::vector<std::string> userAgents() const;
  bool waitForReceived(size_t count, std::chrono::milliseconds timeout) const;
  bool waitForConnections(size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace patbot::http::testing
