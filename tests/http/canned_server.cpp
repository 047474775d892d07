#include "tests/http/canned_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace patbot::http::testing {
namespace {

// Reads the head and, when it declares one, a Content-Length body (discarded). "" on failure.
std::string readRequestHead(int c) {
  std::string buffered;
  char chunk[4096];
  size_t end;
  while ((end = buffered.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
    if (n <= 0) return "";
    buffered.append(chunk, static_cast<size_t>(n));
  }
  std::string head = buffered.substr(0, end + 4);
  size_t length = 0;
  for (const char* name : {"Content-Length: ", "content-length: "}) {
    size_t at = head.find(name);
    if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 16, nullptr, 10);
  }
  size_t have = buffered.size() - head.size();
  while (have < length) {
    ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  return head;
}

// Writes until done or the peer goes away (MSG_NOSIGNAL: a client that hangs up is expected).
void writeAll(int c, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(c, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

CannedServer::CannedServer(Answer answer) : answer_(std::move(answer)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd_, 16) != 0) {
    ::close(fd_);
    throw std::runtime_error("CannedServer: cannot listen on loopback");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

CannedServer::~CannedServer() {
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  thread_.join();
}

std::vector<std::string> CannedServer::heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

void CannedServer::serve() {
  for (;;) {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    timeval timeout{10, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    std::string head = readRequestHead(c);
    if (!head.empty()) {
      {
        std::lock_guard lock(mutex_);
        heads_.push_back(head);
      }
      writeAll(c, answer_(head));
    }
    ::shutdown(c, SHUT_RDWR);
    ::close(c);
  }
}

}  // namespace patbot::http::testing
