#include "tests/fakes/drop_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "sim/fake_gitlab.h"

namespace patbot::fakes {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

// A socket with read-ahead: bytes received past the end of one message stay for the next.
struct Stream {
  int fd = -1;
  std::string buffered;

  // Appends at least one more byte to `buffered`; false on end of stream or error.
  bool fill() {
    char chunk[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n > 0) {
        buffered.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }
  // Everything up to and including the first "\r\n\r\n"; nullopt at end of stream.
  std::optional<std::string> head() {
    for (;;) {
      auto end = buffered.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string h = buffered.substr(0, end + 4);
        buffered.erase(0, end + 4);
        return h;
      }
      if (buffered.size() > kMaxHead || !fill()) return std::nullopt;
    }
  }
  bool take(size_t n, std::string& out) {
    while (buffered.size() < n) {
      if (!fill()) return false;
    }
    out.append(buffered, 0, n);
    buffered.erase(0, n);
    return true;
  }
  std::optional<std::string> line() {
    for (;;) {
      auto end = buffered.find("\r\n");
      if (end != std::string::npos) {
        std::string l = buffered.substr(0, end + 2);
        buffered.erase(0, end + 2);
        return l;
      }
      if (buffered.size() > kMaxHead || !fill()) return std::nullopt;
    }
  }
};

bool sendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct Head {
  std::string firstLine;
  std::optional<size_t> contentLength;
  bool chunked = false;
  bool close = false;
  bool drop = false;
};

Head parseHead(const std::string& text) {
  Head h;
  size_t pos = text.find("\r\n");
  h.firstLine = text.substr(0, pos);
  while (pos != std::string::npos && pos + 2 < text.size()) {
    size_t next = text.find("\r\n", pos + 2);
    if (next == std::string::npos) break;
    std::string line = text.substr(pos + 2, next - pos - 2);
    pos = next;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (name == "content-length") {
      h.contentLength = static_cast<size_t>(std::strtoull(value.c_str(), nullptr, 10));
    } else if (name == "transfer-encoding") {
      h.chunked = lower(value).find("chunked") != std::string::npos;
    } else if (name == "connection") {
      h.close = lower(value).find("close") != std::string::npos;
    } else if (name == kDropHeader) {
      h.drop = true;
    }
  }
  return h;
}

// Reads a chunked body, framing included, into `out`.
bool readChunked(Stream& in, std::string& out) {
  for (;;) {
    auto sizeLine = in.line();
    if (!sizeLine) return false;
    out += *sizeLine;
    size_t size = std::strtoull(sizeLine->c_str(), nullptr, 16);
    if (size == 0) {
      for (;;) {   // trailers, then the empty line
        auto trailer = in.line();
        if (!trailer) return false;
        out += *trailer;
        if (*trailer == "\r\n") return true;
      }
    }
    if (!in.take(size + 2, out)) return false;
  }
}

// The body that follows `h`; `toEof` for a response with neither length nor chunking.
bool readBody(Stream& in, const Head& h, bool toEof, std::string& out) {
  if (h.chunked) return readChunked(in, out);
  if (h.contentLength) return in.take(*h.contentLength, out);
  if (!toEof) return true;
  while (in.fill()) {
  }
  out += in.buffered;
  in.buffered.clear();
  return true;
}

// Whether a response to `requestLine` with `statusLine` has no body whatever its headers say.
bool bodiless(const std::string& requestLine, const std::string& statusLine) {
  if (requestLine.rfind("HEAD ", 0) == 0) return true;
  auto sp = statusLine.find(' ');
  int status = sp == std::string::npos ? 0 : std::atoi(statusLine.c_str() + sp + 1);
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace

DropProxy::DropProxy(std::string host, uint16_t upstreamPort) : host_(std::move(host)), upstreamPort_(upstreamPort) {}

DropProxy::~DropProxy() { stop(); }

Status DropProxy::start(uint16_t port) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return Error::make(ErrorKind::kUnavailable, "drop proxy: socket failed", std::strerror(errno));
  int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    return Error::make(ErrorKind::kUnavailable, "drop proxy: the host must be an IPv4 address", host_);
  }
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listenFd_, 128) != 0) {
    return Error::make(ErrorKind::kUnavailable, "drop proxy: cannot listen", std::strerror(errno));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptThread_ = std::thread([this] { acceptLoop(); });
  return okStatus();
}

void DropProxy::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  if (listenFd_ >= 0) ::shutdown(listenFd_, SHUT_RDWR);
  if (acceptThread_.joinable()) acceptThread_.join();
  if (listenFd_ >= 0) ::close(listenFd_);
  listenFd_ = -1;
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return active_ == 0; });
}

void DropProxy::acceptLoop() {
  for (;;) {
    int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;   // shut down
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(client);
      return;
    }
    open_.insert(client);
    ++active_;
    std::thread([this, client] { serve(client); }).detach();
  }
}

void DropProxy::serve(int client) {
  int one = 1;
  ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(upstreamPort_);
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  bool connected = upstream >= 0 && ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (connected) {
    ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(mutex_);
    if (stopping_) connected = false;
    else open_.insert(upstream);
  }

  Stream in{client, {}};
  Stream out{upstream, {}};
  while (connected) {
    auto requestHead = in.head();
    if (!requestHead) break;
    Head request = parseHead(*requestHead);
    std::string message = *requestHead;
    if (!readBody(in, request, false, message) || !sendAll(upstream, message)) break;

    auto responseHead = out.head();
    if (!responseHead) break;
    Head response = parseHead(*responseHead);
    std::string answer = *responseHead;
    if (!bodiless(request.firstLine, response.firstLine) && !readBody(out, response, true, answer)) break;
    if (response.drop) {
      ++dropped_;
      break;   // the request reached the server; its answer never reaches the client
    }
    if (!sendAll(client, answer) || request.close || response.close) break;
  }

  std::lock_guard lock(mutex_);
  for (int fd : {client, upstream}) {
    if (fd < 0) continue;
    open_.erase(fd);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
  if (--active_ == 0) idle_.notify_all();
}

}  // namespace patbot::fakes
