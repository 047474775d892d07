#include "tests/e2e/raw_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "core/secret.h"
#include "slack/signature_verifier.h"

namespace patbot::e2e {
namespace {

using Clock = std::chrono::steady_clock;

std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> splitNul(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string formEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else if (c == ' ') out += '+';
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Waits until fd is readable or the deadline passes.
bool waitReadable(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left)) > 0;
}

}  // namespace

int connectLoopback(int port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof(error);
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
      rc = 0;
    }
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, flags);
  return fd;
}

void closeAll(std::vector<int>& fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  fds.clear();
}

bool sendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

RawReply exchangeOn(int fd, const std::string& bytes, std::chrono::milliseconds timeout) {
  RawReply reply;
  auto start = Clock::now();
  auto deadline = start + timeout;
  if (fd < 0 || !sendAll(fd, bytes)) {
    reply.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return reply;
  }
  std::string received;
  std::optional<size_t> headEnd;
  std::optional<size_t> contentLength;
  char buffer[16384];
  while (waitReadable(fd, deadline)) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      reply.peerClosed = true;
      break;
    }
    received.append(buffer, static_cast<size_t>(n));
    if (!headEnd) {
      size_t at = received.find("\r\n\r\n");
      if (at == std::string::npos) continue;
      headEnd = at + 4;
      reply.head = received.substr(0, at);
      std::istringstream lines(reply.head);
      std::string line;
      std::getline(lines, line);
      if (line.rfind("HTTP/1.", 0) == 0 && line.size() >= 12) reply.status = std::atoi(line.c_str() + 9);
      while (std::getline(lines, line)) {
        std::string l = lower(line);
        if (l.rfind("content-length:", 0) == 0) contentLength = std::strtoull(l.c_str() + 15, nullptr, 10);
      }
    }
    if (headEnd && contentLength && received.size() >= *headEnd + *contentLength) break;
  }
  if (headEnd) reply.body = received.substr(*headEnd, contentLength.value_or(std::string::npos));
  if (headEnd && contentLength && !reply.peerClosed) {
    // Did the server close after replying? A short look, so keep-alive replies stay quick.
    pollfd p{fd, POLLIN, 0};
    char probe;
    if (::poll(&p, 1, 20) == 1 && ::recv(fd, &probe, 1, MSG_PEEK) == 0) reply.peerClosed = true;
  }
  reply.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return reply;
}

RawReply exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  auto start = Clock::now();
  int fd = connectLoopback(port, timeout);
  RawReply reply;
  if (fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(start + timeout - Clock::now());
    reply = exchangeOn(fd, bytes, std::max(left, std::chrono::milliseconds(1)));
    ::close(fd);
  }
  reply.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return reply;
}

std::string slashForm(const std::string& text, const std::string& user, const std::string& responseUrl) {
  return fmt::format(
      "token=legacy&team_id=T0PATBOT01&team_domain=patbot&channel_id=C0PATBOT01&channel_name=ops&user_id={}"
      "&user_name=tester&command=%2Fpat&text={}&api_app_id=A0PATBOT01&response_url={}&trigger_id=1.2.{}",
      formEncode(user), formEncode(text), formEncode(responseUrl), Clock::now().time_since_epoch().count());
}

std::string slackRequest(const std::string& path, const std::string& formBody,
                         const std::optional<std::string>& signingSecret, bool keepAlive,
                         std::chrono::seconds timestampOffset) {
  std::string head = fmt::format(
      "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
      path, formBody.size());
  if (signingSecret) {
    auto now = std::chrono::system_clock::now() + timestampOffset;
    std::string timestamp = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    head += "X-Slack-Request-Timestamp: " + timestamp + "\r\n";
    head += "X-Slack-Signature: " + slack::computeSignature(Secret(*signingSecret), timestamp, formBody) + "\r\n";
  }
  if (!keepAlive) head += "Connection: close\r\n";
  return head + "\r\n" + formBody;
}

int portOf(const std::string& url) {
  auto colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

std::optional<pid_t> findProcessByEnv(const std::string& entry, const std::string& argument) {
  std::optional<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return std::nullopt;
  while (dirent* e = ::readdir(proc)) {
    if (!std::all_of(e->d_name, e->d_name + std::char_traits<char>::length(e->d_name),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      continue;
    }
    std::string base = std::string("/proc/") + e->d_name;
    auto env = splitNul(readWhole(base + "/environ"));
    if (std::find(env.begin(), env.end(), entry) == env.end()) continue;
    auto args = splitNul(readWhole(base + "/cmdline"));
    if (std::find(args.begin() + (args.empty() ? 0 : 1), args.end(), argument) == args.end()) continue;
    if (found) {
      found.reset();
      break;
    }
    found = static_cast<pid_t>(std::atoi(e->d_name));
  }
  ::closedir(proc);
  return found;
}

long rssKiB(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

long openFds(pid_t pid) {
  DIR* dir = ::opendir(fmt::format("/proc/{}/fd", pid).c_str());
  if (!dir) return -1;
  long count = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

double cpuSeconds(pid_t pid) {
  std::string stat = readWhole(fmt::format("/proc/{}/stat", pid));
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long ticks = 0;
  // Fields after "(comm)": state is #3; utime and stime are #14 and #15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtol(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace patbot::e2e
