// Raw TCP clients for the hostile-client tests (tests/e2e/hostile_clients_test.cpp and the
// hostile_clients_measure tool): idle and trickling connections, hand-made HTTP/1.1 requests
// signed as Slack signs them, and what /proc says about a process (RSS, open files, CPU time).
// Loopback (127.0.0.1) only; no HTTP library involved, so nothing is buffered or retried for us.
// Functions are thread-safe; a socket fd belongs to whoever opened it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace patbot::e2e {

// A blocking TCP socket connected to 127.0.0.1:port, or -1. Never raises SIGPIPE on send.
int connectLoopback(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Closes every fd (>= 0) and clears the vector.
void closeAll(std::vector<int>& fds);
// Writes all of `bytes`; false when the peer closed or the write failed.
bool sendAll(int fd, const std::string& bytes);

struct RawReply {
  int status = 0;                       // 0 when no status line arrived in time
  std::string head;                     // status line and headers
  std::string body;
  std::chrono::milliseconds elapsed{};  // from before connect (or send) to the complete reply
  bool peerClosed = false;              // the server closed the connection after replying
};

// Connects, sends `bytes`, reads one response (the head, then Content-Length bytes of body),
// everything within `timeout`.
RawReply exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout);
// The same on an open connection (keep-alive).
RawReply exchangeOn(int fd, const std::string& bytes, std::chrono::milliseconds timeout);

// `POST path` with a form body, Content-Length and, when `signingSecret` is set, the Slack
// headers (timestamp = now + offset, v0 signature). `signingSecret` == nullopt: no signature
// headers; a wrong secret gives a well-formed but mismatching signature.
std::string slackRequest(const std::string& path, const std::string& formBody,
                         const std::optional<std::string>& signingSecret, bool keepAlive = false,
                         std::chrono::seconds timestampOffset = std::chrono::seconds(0));
// A slash-command form body as Slack sends it for `/pat <text>`.
std::string slashForm(const std::string& text, const std::string& user, const std::string& responseUrl);

// The port of "http://127.0.0.1:PORT".
int portOf(const std::string& url);

// The pid of a process (of this user) whose environment contains `entry` exactly, e.g.
// "PATBOT_DB=/tmp/patbot-e2e-1a2b/patbot.db", and whose command line has `argument` as one of its
// arguments (e.g. "serve"); nullopt when none or several.
std::optional<pid_t> findProcessByEnv(const std::string& entry, const std::string& argument);
// From /proc: resident set size in KiB, open file descriptors, user+system CPU seconds.
// -1 when the process is gone.
long rssKiB(pid_t pid);
long openFds(pid_t pid);
double cpuSeconds(pid_t pid);

}  // namespace patbot::e2e
