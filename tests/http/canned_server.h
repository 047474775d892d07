// A loopback HTTP server for client tests that answers every request with bytes the test wrote,
// and remembers the head of each request it read. Raw POSIX sockets, no HTTP library.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace patbot::http::testing {

class CannedServer {
 public:
  // Called on the server's thread with the request head (request line and headers); returns the
  // whole answer to write (status line, headers, body). The connection is closed after it.
  using Answer = std::function<std::string(const std::string& head)>;

  explicit CannedServer(Answer answer);
  ~CannedServer();  // stops accepting and joins its thread
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  uint16_t port() const { return port_; }
  // Heads of the requests read so far, in order.
  std::vector<std::string> heads() const;

 private:
  void serve();

  Answer answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

}  // namespace patbot::http::testing
