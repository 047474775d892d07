// SocketModeReceiver: patbot's Slack door when it has no inbound port (Socket Mode,
// reference/slack-socket-mode.md). It keeps `connections` WebSockets open to Slack, hands every
// envelope to SocketModeEnvelopes on a worker and writes the ack on the connection it came from.
//
// What holds:
// - Every envelope is acknowledged, on its own connection, as soon as the dispatcher has its
//   immediate answer (the audit row on disk), never behind another envelope: a reader thread only
//   reads, workers answer. And always within ackDeadline of its arrival: when the dispatcher is
//   slower (a database locked by another process, say), the watchdog thread sends a bare ack at
//   the deadline and the immediate answer follows through the command's response_url.
// - A `disconnect` (warning, refresh_requested) marks its connection as leaving; a replacement is
//   opened first and the old one is closed only once the replacement has said hello (or after
//   leaveTimeout) and its own acks are written — so a refresh loses no envelope.
//   too_many_websockets closes the connection and backs off; link_disabled is fatal.
// - A connection silent for `idleTimeout` (no message, ping or pong; the client pings at half)
//   is dead and replaced; one that sends no hello within helloTimeout likewise.
// - Reconnects back off exponentially with jitter (1 s doubling to 30 s, ±50 %), reset by a
//   hello; a 429 or `ratelimited` from apps.connections.open waits its Retry-After instead.
// - A fatal answer (slack::isFatalSocketModeError, link_disabled, or a kConfig error from
//   connecting, e.g. an unusable proxy setting) stops the receiver: no
//   reconnect is tried and fatalError() holds the one sentence its owner reports.
//
// Threads: one supervisor (opens, replaces, reaps), one reader per connection, `workers` for the
// envelopes. start()/stop() from the owner's thread; openConnections() and fatalError() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "bot/executor.h"
#include "bot/socket_mode_envelopes.h"
#include "core/metrics.h"
#include "core/result.h"
#include "http/websocket_client.h"

namespace patbot {

struct SocketModeOptions {
  int connections = 2;                               // kept open at once (Slack allows up to 10)
  size_t workers = 16;                               // threads answering envelopes
  std::chrono::milliseconds idleTimeout{10000};      // see http::WebSocketOptions
  std::chrono::milliseconds backoffBase{1000};
  std::chrono::milliseconds backoffMax{30000};
  std::chrono::milliseconds helloTimeout{10000};     // a connection without hello by then is replaced
  std::chrono::milliseconds leaveTimeout{10000};     // a leaving connection waits at most this for its
                                                     // replacement (Slack closes 10 s after a warning)
  std::chrono::milliseconds ackDeadline{2500};       // from arrival; Slack redelivers after 3 s
};

class SocketModeReceiver {
 public:
  // Asks Slack for a fresh connection URL (apps.connections.open; slack::openSocketModeConnection).
  using OpenUrl = std::function<Result<std::string>()>;
  // Connects to such a URL (http::connectWebSocket with the proxy, CA and timeouts).
  using Connect = std::function<Result<std::unique_ptr<http::WebSocket>>(const std::string& url)>;

  SocketModeReceiver(OpenUrl openUrl, Connect connect, SocketModeEnvelopes& envelopes, MetricsRegistry& metrics,
                     SocketModeOptions options = {});
  ~SocketModeReceiver();   // stop()

  void start();
  // Closes every connection, lets answers being written finish, joins every thread. Idempotent.
  void stop();

  // Connections that have said hello and are not leaving.
  int openConnections() const { return ready_.load(); }
  // Set once a fatal answer stopped the receiver: the one sentence for the operator.
  std::optional<std::string> fatalError() const;

 private:
  struct Connection;
  struct PendingAck;
  void supervise();
  // The watchdog: sends a bare ack for every envelope still unanswered at its deadline.
  void watch();
  // Writes `text` as the ack of `envelopeId` on `connection`; false when it could not.
  bool sendAck(Connection* connection, const std::string& envelopeId, const std::string& text,
               std::chrono::steady_clock::time_point arrived);
  // One attempt at a new connection; on failure, schedules the next attempt or records a fatal error.
  void openOne(std::unique_lock<std::mutex>& lock);
  void readLoop(Connection* connection);
  void onFrame(Connection* connection, const std::string& text, std::chrono::steady_clock::time_point arrived);
  void answer(Connection* connection, const slack::SocketFrame& envelope,
              std::chrono::steady_clock::time_point arrived);
  // Under mutex_: closes leaving connections whose replacement is ready, reaps ended ones.
  void tidy(std::unique_lock<std::mutex>& lock);
  void fail(const std::string& why);
  void backOff();
  void publishReady();
  void countReconnect(const std::string& reason);

  OpenUrl openUrl_;
  Connect connect_;
  SocketModeEnvelopes& envelopes_;
  MetricsRegistry& metrics_;
  SocketModeOptions options_;
  ThreadPoolExecutor workers_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::list<std::unique_ptr<Connection>> connections_;
  int nextId_ = 1;
  int failures_ = 0;                                    // consecutive attempts without a hello
  std::chrono::steady_clock::time_point nextAttempt_{};
  std::optional<std::string> fatal_;
  bool stopping_ = false;
  std::atomic<int> ready_{0};
  std::mt19937 random_{std::random_device{}()};
  std::thread supervisor_;

  std::mutex watchMutex_;
  std::condition_variable watchWake_;
  std::multimap<std::chrono::steady_clock::time_point, std::shared_ptr<PendingAck>> watched_;   // by deadline
  bool watchStop_ = false;
  std::thread watchdog_;
};

}  // namespace patbot
