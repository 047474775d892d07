// An HTTP proxy on 127.0.0.1:<ephemeral> for tests: `CONNECT host:port` opens a tunnel (bytes
// relayed both ways until either side closes), an absolute-form request (`GET http://host:port/p
// HTTP/1.1`, as cpprest sends plain http through a proxy) is forwarded to host:port in origin form
// and the answer relayed back. It records what each request asked for and can be told to refuse
// everything with a status. Raw POSIX sockets, a thread per connection; IPv4 and names that
// resolve. Test code only; in the patbot::test_net library for tests in any folder (tests/e2e
// can put it between patbot and the fakes).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace patbot::http::testing {

class ConnectProxy {
 public:
  ConnectProxy();    // listening when constructed
  ~ConnectProxy();   // closes the listener and every connection, joins all threads
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;   // "http://127.0.0.1:PORT"

  // From now on every request is answered with `status` (e.g. 403) and the connection closed.
  void refuseWith(int status) { refuseStatus_.store(status); }

  // "CONNECT 127.0.0.1:8443" or "GET http://127.0.0.1:8080/path?q" per request read, in order.
  std::vector<std::string> requests() const;

 private:
  void acceptLoop();
  void serve(int client);

  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> refuseStatus_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::thread> connections_;   // joined by the destructor
  std::thread acceptor_;
};

}  // namespace patbot::http::testing
