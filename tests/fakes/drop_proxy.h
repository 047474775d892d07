// DropProxy: the TCP front of the fake_gitlab process when started with --drop-proxy. It accepts
// connections on its own port and forwards each HTTP/1.1 request, byte for byte, to the real
// server over a connection of its own. When the server's answer carries fakes::kDropHeader, the
// front closes the client's connection instead of answering (a FIN after the request was read:
// the client sees the connection end with no status line), which cpprest's listener cannot do.
//
// Requests and responses are framed by Content-Length or chunked encoding (responses without
// either are read to the end of the connection). One thread per client connection; blocking
// sockets. stop() (and the destructor) closes every connection and waits for the threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/result.h"

namespace patbot::fakes {

class DropProxy {
 public:
  // Forwards to `host`:`upstreamPort` (the fake's cpprest server).
  DropProxy(std::string host, uint16_t upstreamPort);
  ~DropProxy();
  DropProxy(const DropProxy&) = delete;
  DropProxy& operator=(const DropProxy&) = delete;

  // Listens on `host`:`port` (0 = any free port). kUnavailable when it cannot bind.
  Status start(uint16_t port);
  uint16_t port() const { return port_; }
  void stop();
  // Connections closed because the answer carried the drop header.
  int dropped() const { return dropped_.load(); }

 private:
  void acceptLoop();
  void serve(int client);

  std::string host_;
  uint16_t upstreamPort_;
  uint16_t port_ = 0;
  int listenFd_ = -1;
  std::thread acceptThread_;
  std::atomic<int> dropped_{0};

  std::mutex mutex_;
  std::condition_variable idle_;
  std::set<int> open_;          // client and upstream sockets in use (guarded by mutex_)
  int active_ = 0;              // connection threads running (guarded by mutex_)
  bool stopping_ = false;       // guarded by mutex_
};

}  // namespace patbot::fakes
