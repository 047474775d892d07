#include "tests/http/connect_proxy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace patbot::http::testing {
namespace {

constexpr int kPollMs = 50;   // how often blocked loops look at stopping_
constexpr size_t kHeadLimit = 64 * 1024;

bool sendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool sendAll(int fd, const std::string& bytes) { return sendAll(fd, bytes.data(), bytes.size()); }

// Waits until fd is readable (true) or `stopping` is set (false).
bool waitReadable(int fd, const std::atomic<bool>& stopping) {
  pollfd p{fd, POLLIN, 0};
  while (!stopping.load()) {
    int ready = ::poll(&p, 1, kPollMs);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
  return false;
}

// Connects to host:port (a name or an IPv4 literal); -1 on failure.
int connectTo(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

// Splits "host:port" (no IPv6); false when there is no port.
bool splitHostPort(const std::string& authority, std::string& host, std::string& port) {
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == authority.size()) return false;
  host = authority.substr(0, colon);
  port = authority.substr(colon + 1);
  return true;
}

// Copies bytes both ways until either side closes or `stopping` is set.
void relay(int a, int b, const std::atomic<bool>& stopping) {
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  char buffer[16 * 1024];
  while (!stopping.load()) {
    int ready = ::poll(fds, 2, kPollMs);
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
      if (n <= 0 || !sendAll(fds[1 - i].fd, buffer, static_cast<size_t>(n))) return;
    }
  }
}

std::string statusAnswer(int status, const char* text) {
  return "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

}  // namespace

ConnectProxy::ConnectProxy() {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t length = sizeof(addr);
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listenFd_, 64) != 0 ||
      ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(listenFd_);
    throw std::runtime_error("ConnectProxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

ConnectProxy::~ConnectProxy() {
  stopping_.store(true);
  acceptor_.join();   // no new connection threads after this
  for (auto& connection : connections_) connection.join();
  ::close(listenFd_);
}

std::string ConnectProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> ConnectProxy::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ConnectProxy::acceptLoop() {
  while (waitReadable(listenFd_, stopping_)) {
    int client = ::accept(listenFd_, nullptr, nullptr);
    if (client < 0) continue;
    connections_.emplace_back([this, client] {
      serve(client);
      ::close(client);
    });
  }
}

void ConnectProxy::serve(int client) {
  std::string buffered;
  char chunk[4096];
  size_t headEnd;
  while ((headEnd = buffered.find("\r\n\r\n")) == std::string::npos) {
    if (buffered.size() > kHeadLimit || !waitReadable(client, stopping_)) return;
    ssize_t n = ::recv(client, chunk, sizeof(chunk), 0);
    if (n <= 0) return;
    buffered.append(chunk, static_cast<size_t>(n));
  }
  std::string head = buffered.substr(0, headEnd + 4);
  std::string rest = buffered.substr(headEnd + 4);
  size_t lineEnd = head.find("\r\n");
  std::string line = head.substr(0, lineEnd);
  size_t firstSpace = line.find(' ');
  size_t lastSpace = line.rfind(' ');
  if (firstSpace == std::string::npos || lastSpace == firstSpace) {
    sendAll(client, statusAnswer(400, "Bad Request"));
    return;
  }
  std::string method = line.substr(0, firstSpace);
  std::string target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(method + " " + target);
  }
  if (int status = refuseStatus_.load(); status != 0) {
    sendAll(client, statusAnswer(status, "Refused"));
    return;
  }

  std::string host, port, forwardHead;
  if (method == "CONNECT") {
    if (!splitHostPort(target, host, port)) {
      sendAll(client, statusAnswer(400, "Bad Request"));
      return;
    }
  } else if (target.rfind("http://", 0) == 0) {
    size_t pathStart = target.find('/', 7);
    std::string authority = target.substr(7, pathStart == std::string::npos ? std::string::npos : pathStart - 7);
    if (!splitHostPort(authority, host, port)) {
      host = authority;
      port = "80";
    }
    std::string path = pathStart == std::string::npos ? "/" : target.substr(pathStart);
    forwardHead = method + " " + path + line.substr(lastSpace) + head.substr(lineEnd);
  } else {
    sendAll(client, statusAnswer(400, "Bad Request"));
    return;
  }

  int upstream = connectTo(host, port);
  if (upstream < 0) {
    sendAll(client, statusAnswer(502, "Bad Gateway"));
    return;
  }
  bool ready = method == "CONNECT" ? sendAll(client, std::string("HTTP/1.1 200 Connection established\r\n\r\n"))
                                   : sendAll(upstream, forwardHead);
  if (ready && (rest.empty() || sendAll(upstream, rest))) relay(client, upstream, stopping_);
  ::close(upstream);
}

}  // namespace patbot::http::testing
