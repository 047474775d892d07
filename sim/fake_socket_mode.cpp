// FakeSocketMode: connections, tickets, hello, pings, envelopes and acks (see the header).
#include "sim/fake_socket_mode.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "http/url.h"
#include "sim/fake_socket_mode_internal.h"
#include "sim/fake_socket_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr uint16_t kNormalClosure = 1000;
constexpr uint16_t kGoingAway = 1001;
constexpr size_t kOtherMessageMax = 4096;  // bytes of a non-ack frame kept in the listing

double msBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

FakeSocketMode::FakeSocketMode(SocketModeOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), rng_(std::random_device{}()) {
  http::WebSocketServerOptions serverOptions;
  serverOptions.host = options_.host;
  serverOptions.port = options_.port;
  serverOptions.threads = 1;
  http::WebSocketHandler& handler = *this;  // a private base: converted here, where it is accessible
  server_ = std::make_unique<http::WebSocketServer>(serverOptions, handler);
  if (auto started = server_->start(); !started) {
    throw std::runtime_error(fmt::format("fake Socket Mode: {} ({})", started.error().message, started.error().detail));
  }
  std::string host = options_.host == "0.0.0.0" ? "127.0.0.1" : options_.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  urlBase_ = fmt::format("ws://{}:{}/link/", host, server_->port());
  timer_ = std::thread([this] { timerLoop(); });
}

FakeSocketMode::~FakeSocketMode() {
  server_->stop();  // no callback runs after this
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  timerWake_.notify_all();
  changed_.notify_all();
  timer_.join();
}

uint16_t FakeSocketMode::port() const { return server_->port(); }

int64_t FakeSocketMode::wallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
}

std::string FakeSocketMode::mintConnectionUrl() {
  std::lock_guard lock(mu_);
  std::string ticket = mintTicket(rng_);
  tickets_[ticket] = true;
  return urlBase_ + "?ticket=" + ticket + "&app_id=" + options_.appId;
}

bool FakeSocketMode::hasOpenConnection() const {
  std::lock_guard lock(mu_);
  return openCountLocked() > 0;
}

int FakeSocketMode::openCountLocked() const {
  return static_cast<int>(std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->open; }));
}

FakeSocketMode::Connection* FakeSocketMode::byIdLocked(int64_t id) {
  if (id < 1 || id > static_cast<int64_t>(connections_.size())) return nullptr;
  return connections_[static_cast<size_t>(id - 1)].get();
}

FakeSocketMode::Connection* FakeSocketMode::byPeerLocked(const http::WebSocketPeer& peer) {
  auto it = byPeer_.find(peer.id());
  return it == byPeer_.end() ? nullptr : byIdLocked(it->second);
}

FakeSocketMode::Connection* FakeSocketMode::nextConnectionLocked(std::optional<int64_t> except) {
  size_t n = connections_.size();
  for (size_t step = 0; step < n; ++step) {
    Connection& c = *connections_[(roundRobin_ + step) % n];
    if (!c.open || c.silent || (except && c.id == *except)) continue;
    roundRobin_ = (roundRobin_ + step + 1) % n;
    return &c;
  }
  return nullptr;
}

// --- WebSocket callbacks -------------------------------------------------------------------------

std::optional<http::Response> FakeSocketMode::admit(const http::WebSocketUpgrade& upgrade) {
  std::string ticket;
  for (const auto& [name, value] : http::parseQuery(upgrade.query)) {
    if (name == "ticket") ticket = value;
  }
  std::lock_guard lock(mu_);
  auto it = tickets_.find(ticket);
  if (upgrade.path.rfind("/link", 0) == 0 && it != tickets_.end()) {
    tickets_.erase(it);  // good for one connection
    return std::nullopt;
  }
  ++refusedUpgrades_;
  return http::Response::text(401, "invalid_ticket");
}

void FakeSocketMode::opened(const http::WebSocketPeer& peer, const http::WebSocketUpgrade&) {
  std::lock_guard lock(mu_);
  auto c = std::make_unique<Connection>();
  c->id = static_cast<int64_t>(connections_.size()) + 1;
  c->peer = peer;
  c->openedAtMs = wallMs();
  byPeer_[peer.id()] = c->id;
  Connection& conn = *c;
  connections_.push_back(std::move(c));
  int open = openCountLocked();
  if (open > kMaxConnections) {
    // Our own choice (the reference only says "up to 10"): refuse the 11th with the frame a
    // leaking client is reported to end with, then close.
    conn.disconnectReason = "too_many_websockets";
    peer.sendText(disconnectFrame("too_many_websockets"));
    peer.close(kNormalClosure, "too_many_websockets");
    return;
  }
  peer.sendText(helloFrame(open, options_.appId));
  conn.helloSent = true;
  conn.nextPing = SteadyClock::now() + pingInterval_;
  timerWake_.notify_all();
}

void FakeSocketMode::text(const http::WebSocketPeer& peer, std::string message) {
  auto ack = parseAck(message);
  auto now = SteadyClock::now();
  std::lock_guard lock(mu_);
  Connection* c = byPeerLocked(peer);
  if (!c) return;  // a connection from before a reset
  if (!ack) {
    if (message.size() > kOtherMessageMax) message.resize(kOtherMessageMax);
    otherMessages_.push_back({{"connection", c->id}, {"at_ms", wallMs()}, {"text", std::move(message)}});
    return;
  }
  ++c->acksReceived;
  if (burst_) {
    auto it = burst_->index.find(ack->envelopeId);
    if (it != burst_->index.end()) {
      if (!burst_->acked[it->second]) {
        burst_->acked[it->second] = 1;
        burst_->ackedAt[it->second] = now;
        ++burst_->ackedCount;
        --burst_->inFlight;
        burst_->lastProgress = now;
        changed_.notify_all();
      }
      return;
    }
  }
  json record = {{"envelope_id", ack->envelopeId}, {"connection", c->id},     {"retry_attempt", nullptr},
                 {"sent_at_ms", nullptr},          {"acked_at_ms", wallMs()}, {"latency_ms", nullptr},
                 {"payload", ack->payload ? *ack->payload : json(nullptr)}};
  auto sends = sent_.find(ack->envelopeId);
  Sent* matched = nullptr;
  if (sends != sent_.end()) {
    // The earliest unacked send on this connection, else the earliest unacked one anywhere.
    for (auto& s : sends->second) {
      if (!s.acked && s.connection == c->id) {
        matched = &s;
        break;
      }
    }
    for (auto& s : sends->second) {
      if (!matched && !s.acked) matched = &s;
    }
  }
  if (matched) {
    matched->acked = true;
    matched->ackedAt = now;
    matched->payload = ack->payload;
    record["retry_attempt"] = matched->retryAttempt;
    record["sent_at_ms"] = matched->sentAtMs;
    record["latency_ms"] = msBetween(matched->sentAt, now);
  } else {
    record["unexpected"] = true;  // an envelope id never sent, or acked once more
  }
  ackLog_.push_back(std::move(record));
  changed_.notify_all();
}

void FakeSocketMode::pong(const http::WebSocketPeer& peer) {
  std::lock_guard lock(mu_);
  if (Connection* c = byPeerLocked(peer)) ++c->pongsReceived;
}

void FakeSocketMode::pinged(const http::WebSocketPeer& peer) {
  std::lock_guard lock(mu_);
  if (Connection* c = byPeerLocked(peer)) ++c->pingsReceived;
}

void FakeSocketMode::closed(const http::WebSocketPeer& peer, const http::WebSocketClosed& how) {
  std::lock_guard lock(mu_);
  Connection* c = byPeerLocked(peer);
  if (!c) return;
  c->open = false;
  c->closedAtMs = wallMs();
  c->closedBy = http::webSocketCloserName(how.by);
  c->closeCode = how.code;
  c->closeReason = how.reason;
  c->closeAt.reset();
  changed_.notify_all();
}

// --- timer: pings and scheduled closes --------------------------------------------------------------

void FakeSocketMode::timerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = SteadyClock::now();
    auto next = now + std::chrono::seconds(1);
    for (auto& c : connections_) {
      if (!c->open || c->silent) continue;
      if (c->closeAt) {
        if (now >= *c->closeAt) {
          c->peer.close(kNormalClosure, c->disconnectReason.value_or(""));
          c->closeAt.reset();
        } else {
          next = std::min(next, *c->closeAt);
        }
      }
      if (pingInterval_.count() > 0 && c->helloSent) {
        if (now >= c->nextPing) {
          c->peer.ping("ping");
          ++c->pingsSent;
          c->nextPing = now + pingInterval_;
        }
        next = std::min(next, c->nextPing);
      }
    }
    timerWake_.wait_until(lock, next);
  }
}

// --- control -----------------------------------------------------------------------------------------

void FakeSocketMode::sendEnvelopeLocked(Connection& c, const std::string& envelopeId, const std::string& frame,
                                        int retryAttempt) {
  if (!envelopeId.empty()) {
    auto& sends = sent_[envelopeId];
    if (sends.empty()) sentOrder_.push_back(envelopeId);
    sends.push_back(Sent{c.id, retryAttempt, SteadyClock::now(), wallMs(), false, {}, std::nullopt});
  }
  ++c.envelopesSent;
  c.peer.sendText(frame);
}

DeliveryReport FakeSocketMode::deliver(const EnvelopeOrder& order) {
  DeliveryReport report;
  std::unique_lock lock(mu_);
  report.envelopeId = order.envelopeId;
  if (order.raw) {
    if (auto parsed = parseAck(*order.raw)) report.envelopeId = parsed->envelopeId;  // same shape as an ack
  } else if (report.envelopeId.empty()) {
    report.envelopeId = mintEnvelopeId(rng_);
  }
  if (order.connection) {
    Connection* c = byIdLocked(*order.connection);
    if (!c || !c->open) {
      report.problem = fmt::format("connection {} is not open", *order.connection);
      return report;
    }
  }
  const std::string& id = report.envelopeId;
  size_t firstSend = id.empty() ? 0 : sent_[id].size();  // this call's sends start here
  auto start = SteadyClock::now();
  for (int k = 0; k <= order.retries; ++k) {
    // The chosen connection (silent or not: Slack would not know), else the next in turn.
    Connection* target = order.connection ? byIdLocked(*order.connection) : nullptr;
    if (target && !target->open) target = nullptr;
    if (!target && (k > 0 || !order.connection)) target = nextConnectionLocked();
    if (!target) {
      if (k == 0) report.error = "dispatch_failed";
      break;
    }
    int attempt = order.retryAttempt + k;
    std::string frame = order.raw ? *order.raw
                                  : envelopeFrame(id, order.type, order.payloadJson, order.acceptsResponsePayload,
                                                  attempt, k == 0 ? order.retryReason : "timeout");
    size_t roundStart = id.empty() ? 0 : sent_[id].size();
    sendEnvelopeLocked(*target, id, frame, attempt);
    if (k == 0) report.connection = target->id;
    if (k == 0 && order.duplicate) {
      if (Connection* second = nextConnectionLocked(target->id)) sendEnvelopeLocked(*second, id, frame, attempt);
    }
    if (id.empty()) break;  // a raw frame without an envelope id: no ack to wait for
    auto roundAcked = [&](bool all) {
      auto& sends = sent_[id];
      auto begin = sends.begin() + static_cast<std::ptrdiff_t>(roundStart);
      auto isAcked = [](const Sent& s) { return s.acked; };
      return all ? std::all_of(begin, sends.end(), isAcked) : std::any_of(begin, sends.end(), isAcked);
    };
    changed_.wait_until(lock, SteadyClock::now() + kAckDeadline, [&] { return stopping_ || roundAcked(true); });
    if (stopping_ || (roundAcked(false) && !order.retryAlways)) break;
  }
  auto end = SteadyClock::now();
  if (!id.empty()) {
    const auto& sends = sent_[id];
    std::optional<SteadyClock::time_point> firstAck;
    for (size_t i = firstSend; i < sends.size(); ++i) {
      const Sent& s = sends[i];
      json attempt = {{"connection", s.connection}, {"retry_attempt", s.retryAttempt}, {"acked", s.acked},
                      {"latency_ms", s.acked ? json(msBetween(s.sentAt, s.ackedAt)) : json(nullptr)}};
      report.attempts.push_back(std::move(attempt));
      if (s.acked && (!firstAck || s.ackedAt < *firstAck)) {
        firstAck = s.ackedAt;
        report.payload = s.payload;
      }
    }
    report.acked = firstAck.has_value();
    if (firstAck) end = *firstAck;
  }
  report.elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(end - start).count();
  if (!report.acked && report.error.empty() && !id.empty()) report.error = "operation_timeout";
  return report;
}

json FakeSocketMode::connections() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& c : connections_) {
    out.push_back({{"id", c->id},
                   {"state", c->open ? "open" : "closed"},
                   {"opened_at_ms", c->openedAtMs},
                   {"closed_at_ms", c->closedAtMs ? json(*c->closedAtMs) : json(nullptr)},
                   {"closed_by", c->open ? json(nullptr) : json(c->closedBy)},
                   {"close_code", c->open || c->closeCode == 0 ? json(nullptr) : json(c->closeCode)},
                   {"hello_sent", c->helloSent},
                   {"silent", c->silent},
                   {"pings_sent", c->pingsSent},
                   {"pongs_received", c->pongsReceived},
                   {"pings_received", c->pingsReceived},
                   {"envelopes_sent", c->envelopesSent},
                   {"acks_received", c->acksReceived},
                   {"disconnect_reason", c->disconnectReason ? json(*c->disconnectReason) : json(nullptr)}});
  }
  return {{"connections", out}, {"open", openCountLocked()}, {"refused_upgrades", refusedUpgrades_},
          {"ping_interval_ms", pingInterval_.count()}};
}

json FakeSocketMode::acks() const {
  std::lock_guard lock(mu_);
  json unacked = json::array();
  for (const auto& id : sentOrder_) {
    for (const auto& s : sent_.at(id)) {
      if (s.acked) continue;
      unacked.push_back({{"envelope_id", id}, {"connection", s.connection}, {"retry_attempt", s.retryAttempt},
                         {"sent_at_ms", s.sentAtMs}});
    }
  }
  return {{"acks", ackLog_}, {"unacked", unacked}, {"other_messages", otherMessages_}, {"bursts", burstLog_}};
}

std::variant<std::vector<int64_t>, std::string> FakeSocketMode::disconnect(std::optional<int64_t> connection,
                                                                           const std::string& reason,
                                                                           std::chrono::milliseconds closeAfter) {
  std::lock_guard lock(mu_);
  std::vector<Connection*> targets;
  if (connection) {
    Connection* c = byIdLocked(*connection);
    if (!c) return fmt::format("no connection {}", *connection);
    if (!c->open) return fmt::format("connection {} is closed", *connection);
    if (c->silent) return fmt::format("connection {} is silent", *connection);
    targets.push_back(c);
  } else {
    for (auto& c : connections_) {
      if (c->open && !c->silent) targets.push_back(c.get());
    }
  }
  std::vector<int64_t> ids;
  for (Connection* c : targets) {
    c->disconnectReason = reason;
    c->peer.sendText(disconnectFrame(reason));
    if (closeAfter.count() <= 0) {
      c->peer.close(kNormalClosure, reason);  // queued behind the frame
    } else {
      c->closeAt = SteadyClock::now() + closeAfter;
    }
    ids.push_back(c->id);
  }
  timerWake_.notify_all();
  return ids;
}

std::optional<std::string> FakeSocketMode::silence(int64_t connection) {
  std::lock_guard lock(mu_);
  Connection* c = byIdLocked(connection);
  if (!c) return fmt::format("no connection {}", connection);
  if (!c->open) return fmt::format("connection {} is closed", connection);
  c->silent = true;
  c->closeAt.reset();
  c->peer.goSilent();
  return std::nullopt;
}

std::optional<std::string> FakeSocketMode::abort(int64_t connection) {
  std::lock_guard lock(mu_);
  Connection* c = byIdLocked(connection);
  if (!c) return fmt::format("no connection {}", connection);
  if (!c->open) return fmt::format("connection {} is closed", connection);
  c->peer.abort();
  return std::nullopt;
}

void FakeSocketMode::setPingInterval(std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  pingInterval_ = std::max(interval, std::chrono::milliseconds(0));
  auto next = SteadyClock::now() + pingInterval_;
  for (auto& c : connections_) c->nextPing = next;
  timerWake_.notify_all();
}

int64_t FakeSocketMode::pingIntervalMs() const {
  std::lock_guard lock(mu_);
  return pingInterval_.count();
}

void FakeSocketMode::reset() {
  std::lock_guard lock(mu_);
  for (auto& c : connections_) {
    if (c->open) c->peer.close(kGoingAway, "reset");  // a silent one is dropped (WebSocketPeer::close)
  }
  connections_.clear();
  byPeer_.clear();  // late callbacks of the old connections find nothing
  tickets_.clear();
  roundRobin_ = 0;
  refusedUpgrades_ = 0;
  sent_.clear();
  sentOrder_.clear();
  ackLog_ = json::array();
  otherMessages_ = json::array();
  burstLog_ = json::array();
  pingInterval_ = std::chrono::milliseconds(kDefaultPingIntervalMs);
  changed_.notify_all();
  timerWake_.notify_all();
}

}  // namespace patbot::fakes
