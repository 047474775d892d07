// The client transport never sends a POST twice. cpprest re-sends a request on a new connection
// when a pooled (reused) connection closes before the status line; for a token create whose
// answer was lost that meant a second token (issue 6, found by the fault-injection tests).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/client.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;

// A loopback HTTP/1.1 server that answers GETs (keep-alive) and, after reading a POST, closes the
// connection without answering, as a server that did the work and then lost the connection.
class ClosingServer {
 public:
  ClosingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~ClosingServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : connections_) t.join();
    for (int c : clients_) ::close(c);
  }
  uint16_t port() const { return port_; }
  int seen(const std::string& method) {
    std::lock_guard lock(mutex_);
    return seen_[method];
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::lock_guard lock(mutex_);
      clients_.push_back(c);
      connections_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string buffered;
    char chunk[4096];
    for (;;) {
      size_t end;
      while ((end = buffered.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
        if (n <= 0) return;
        buffered.append(chunk, static_cast<size_t>(n));
      }
      std::string head = buffered.substr(0, end + 4);
      buffered.erase(0, end + 4);
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        if (auto p = head.find(name); p != std::string::npos) length = std::stoul(head.substr(p + 16));
      }
      while (buffered.size() < length) {
        ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
        if (n <= 0) return;
        buffered.append(chunk, static_cast<size_t>(n));
      }
      buffered.erase(0, length);
      std::string method = head.substr(0, head.find(' '));
      {
        std::lock_guard lock(mutex_);
        ++seen_[method];
      }
      if (method == "POST") {
        ::shutdown(c, SHUT_RDWR);   // the work is done; the answer never leaves
        return;
      }
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
      if (::send(c, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) return;
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> clients_;
  std::vector<std::thread> connections_;
  std::map<std::string, int> seen_;
};

TEST(HttpClientResend, APostWhoseConnectionClosesIsReportedNotSentAgain) {
  ClosingServer server;
  auto transport = makeCpprestTransport();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  for (int round = 0; round < 3; ++round) {
    ClientRequest get;
    get.url = base + "/warm";
    get.deadline = 5s;
    auto warmed = transport->send(get);   // leaves a connection in the pool
    ASSERT_TRUE(warmed.ok()) << warmed.error().message;
    EXPECT_EQ(warmed->body, "ok");

    ClientRequest post;
    post.method = "POST";
    post.url = base + "/create";
    post.body = R"({"name":"x"})";
    post.headers["Content-Type"] = "application/json";
    post.deadline = 5s;
    auto created = transport->send(post);
    ASSERT_FALSE(created.ok()) << "the server never answered the POST";
    // The request went out: saying the connection could not be made would be wrong.
    EXPECT_EQ(created.error().message.find("could not connect"), std::string::npos) << created.error().message;
    EXPECT_NE(created.error().message.find("closed before an answer arrived"), std::string::npos)
        << created.error().message;
    EXPECT_EQ(created.error().kind, ErrorKind::kUnavailable) << created.error().detail;
    EXPECT_EQ(server.seen("POST"), round + 1) << "the POST was sent again after its connection closed";
  }
}

}  // namespace
}  // namespace patbot::http
