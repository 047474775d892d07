// FakeSocketMode: the Socket Mode side of the simulated Slack (reference/slack-socket-mode.md).
// It owns a WebSocket server (http/websocket_server.h) and, for every connection a client opens
// with a ticket from apps.connections.open, sends `hello` at once, pings every ping interval,
// delivers envelopes and matches the client's acks to them, and obeys the control routes
// (disconnect frames, silence, abort). FakeSlack owns one when its app token is set; the HTTP
// side (fake_socket_routes.cpp) turns control requests into the calls below.
//
// Times: latencies and timers use std::chrono::steady_clock (real time, even when the FakeSlack
// runs on a FakeClock); the *_at_ms stamps in the listings come from the Clock, like the rest of
// the fake.
//
// Thread-safety: every public method may be called from any thread. One mutex guards the state;
// deliver() and burst() wait on a condition variable without holding it. The WebSocket callbacks
// (server I/O threads) and the timer thread (pings, scheduled closes) take the same mutex and
// never block under it: sending only queues frames.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "http/websocket_server.h"

namespace patbot::fakes {

struct SocketModeOptions {
  std::string host = "127.0.0.1";  // the WebSocket server binds here; 0.0.0.0 is named 127.0.0.1 in URLs
  uint16_t port = 0;               // 0 = any free port
  std::string appId;               // in the connection URL and hello
};

// One envelope to deliver (POST /_fake/slash, /_fake/click, /_fake/socket/envelope).
struct EnvelopeOrder {
  std::string type;                     // slash_commands, interactive, events_api, ...
  std::string payloadJson;              // JSON text of the payload object
  bool acceptsResponsePayload = false;
  std::string envelopeId;               // "" = a fresh one
  int retryAttempt = 0;                 // of the first send; retries count up from it
  std::string retryReason;              // of the first send
  std::optional<int64_t> connection;    // nullopt = round-robin over open, non-silent connections
  std::optional<std::string> raw;       // sent verbatim instead of the envelope frame
  bool duplicate = false;               // the first send also goes out on a second connection
  int retries = 0;                      // redeliveries (retry_reason "timeout") while not acked
  bool retryAlways = false;             // redeliver even when acked
};

// What became of an EnvelopeOrder.
struct DeliveryReport {
  std::string envelopeId;                 // "" for a raw frame without one
  std::optional<int64_t> connection;      // where the first send went
  bool acked = false;                     // some send was acked within its 3 s
  std::optional<nlohmann::json> payload;  // the first ack's payload, if it had one
  int64_t elapsedMs = 0;                  // first send to first ack (or to giving up)
  std::string error;                      // "", "operation_timeout", "dispatch_failed" (no connection)
  std::string problem;                    // non-empty: the order was refused (bad connection id), nothing sent
  nlohmann::json attempts = nlohmann::json::array();  // each send: connection, retry_attempt, acked, latency_ms
};

// POST /_fake/socket/burst: `envelopes` are complete envelope frames (id, text), pre-built.
struct BurstEnvelope {
  std::string id;
  std::string frame;
};
struct BurstOrder {
  std::vector<BurstEnvelope> envelopes;
  size_t inFlight = 1;                      // at most this many sent and unacked at once
  std::optional<int64_t> connection;        // nullopt = round-robin over open, non-silent ones
  std::chrono::milliseconds timeout{60000};  // the whole burst
  std::chrono::milliseconds stall{3000};     // give up when no ack came for this long
};

class FakeSocketMode final : private http::WebSocketHandler {
 public:
  static constexpr auto kAckDeadline = std::chrono::milliseconds(3000);
  static constexpr int kMaxConnections = 10;
  static constexpr int64_t kDefaultPingIntervalMs = 5000;

  // Starts the WebSocket server and the timer thread; throws std::runtime_error when the address
  // cannot be bound. `clock` must outlive this object.
  FakeSocketMode(SocketModeOptions options, const Clock& clock);
  ~FakeSocketMode() override;  // closes the server (every connection) and joins its threads
  FakeSocketMode(const FakeSocketMode&) = delete;
  FakeSocketMode& operator=(const FakeSocketMode&) = delete;

  uint16_t port() const;
  // apps.connections.open: a fresh one-connection ticket in ws://HOST:PORT/link/?ticket=T&app_id=A.
  std::string mintConnectionUrl();
  // True when some connection is open (silent ones included).
  bool hasOpenConnection() const;

  // Sends and waits (3 s per send) for the ack; see EnvelopeOrder. Blocks the calling thread.
  DeliveryReport deliver(const EnvelopeOrder& order);
  // Sends the burst and waits for its acks; {"sent","acked","elapsed_ms","acks_per_s","p50_ms",
  // "p90_ms","p99_ms","max_ms","timed_out"} or {"error": ...} when there is no connection.
  nlohmann::json burst(BurstOrder order);

  nlohmann::json connections() const;  // GET /_fake/socket/connections
  nlohmann::json acks() const;         // GET /_fake/socket/acks

  // Sends a disconnect frame with `reason` on `connection` (nullopt = every open, non-silent one)
  // and closes it closeAfter later unless the client did first (0 = right after the frame).
  // Returns the ids it went to, or an error text (unknown, closed or silent connection).
  std::variant<std::vector<int64_t>, std::string> disconnect(std::optional<int64_t> connection,
                                                              const std::string& reason,
                                                              std::chrono::milliseconds closeAfter);
  std::optional<std::string> silence(int64_t connection);  // error text, or nullopt when done
  std::optional<std::string> abort(int64_t connection);
  void setPingInterval(std::chrono::milliseconds interval);  // 0 = no pings
  int64_t pingIntervalMs() const;

  // Forgets every connection, ticket, envelope and ack and closes the open connections (code
  // 1001); the ping interval goes back to its default.
  void reset();

 private:
  struct Connection;
  struct Sent;
  struct Burst;

  // WebSocketHandler (server I/O threads).
  std::optional<http::Response> admit(const http::WebSocketUpgrade& upgrade) override;
  void opened(const http::WebSocketPeer& peer, const http::WebSocketUpgrade& upgrade) override;
  void text(const http::WebSocketPeer& peer, std::string message) override;
  void pong(const http::WebSocketPeer& peer) override;
  void pinged(const http::WebSocketPeer& peer) override;
  void closed(const http::WebSocketPeer& peer, const http::WebSocketClosed& how) override;

  Connection* byPeerLocked(const http::WebSocketPeer& peer);
  Connection* byIdLocked(int64_t id);
  // The next open, non-silent connection in round-robin order, other than `except`; nullptr if none.
  Connection* nextConnectionLocked(std::optional<int64_t> except = std::nullopt);
  int openCountLocked() const;
  void sendEnvelopeLocked(Connection& c, const std::string& envelopeId, const std::string& frame, int retryAttempt);
  void timerLoop();
  int64_t wallMs() const;

  SocketModeOptions options_;
  const Clock& clock_;
  std::string urlBase_;  // ws://HOST:PORT/link/

  mutable std::mutex mu_;
  std::condition_variable changed_;    // acks and closes: deliver() and burst() wait on it
  std::condition_variable timerWake_;  // new connections, settings, scheduled closes, stop
  std::mt19937_64 rng_;
  std::map<std::string, bool> tickets_;                    // ticket -> unused
  std::vector<std::unique_ptr<Connection>> connections_;    // by id - 1, every one ever (since reset)
  std::unordered_map<uint64_t, int64_t> byPeer_;            // WebSocket peer id -> connection id
  size_t roundRobin_ = 0;
  int64_t refusedUpgrades_ = 0;
  std::unordered_map<std::string, std::vector<Sent>> sent_;  // envelope id -> its sends, in order
  std::vector<std::string> sentOrder_;                       // envelope ids in first-send order
  nlohmann::json ackLog_ = nlohmann::json::array();
  nlohmann::json otherMessages_ = nlohmann::json::array();  // client frames that are not acks
  std::shared_ptr<Burst> burst_;                            // the burst under way, if any
  nlohmann::json burstLog_ = nlohmann::json::array();       // each finished burst's summary
  std::chrono::milliseconds pingInterval_{kDefaultPingIntervalMs};
  bool stopping_ = false;

  std::unique_ptr<http::WebSocketServer> server_;
  std::thread timer_;
};

}  // namespace patbot::fakes
