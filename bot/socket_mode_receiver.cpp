#include "bot/socket_mode_receiver.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/request_context.h"

namespace patbot {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::seconds kShortLived{5};          // a connection that ends sooner counts as a failure
constexpr std::chrono::seconds kAckGrace{3};            // a leaving connection waits this long for its acks
constexpr std::chrono::milliseconds kSupervisorTick{200};

double seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

// Fields marked (M) are guarded by SocketModeReceiver::mutex_.
struct SocketModeReceiver::Connection {
  int id = 0;
  std::unique_ptr<http::WebSocket> socket;   // thread-safe send/close; read by `reader` only
  std::thread reader;
  SteadyClock::time_point opened;
  bool helloed = false;                       // (M) Slack said hello
  bool leaving = false;                       // (M) Slack asked us to move (disconnect frame)
  SteadyClock::time_point leavingSince;       // (M)
  bool closing = false;                       // (M) we closed it (stop, replaced, no hello)
  bool ended = false;                         // (M) the reader has returned
  std::string endReason;                      // (M) why the reader returned
  bool endedByTimeout = false;                // (M) the socket was found dead (no frame for idleTimeout)
  int inFlight = 0;                           // (M) envelopes read whose ack is not written yet

  // (M) Neither leaving, closed nor ended: counts toward SocketModeOptions::connections.
  bool live() const { return !leaving && !ended && !closing; }
  // (M) Live and said hello: can carry envelopes (openConnections()).
  bool ready() const { return helloed && live(); }
};

// One envelope's ack, claimed once: by its worker when the answer is ready in time, else by the
// watchdog at the deadline. Whoever claims it writes it while holding `mutex`, so the worker
// cannot finish (and its connection cannot be reaped) while the watchdog still writes.
struct SocketModeReceiver::PendingAck {
  std::mutex mutex;
  bool claimed = false;
  Connection* connection = nullptr;
  std::string envelopeId;
  SteadyClock::time_point arrived;
};

SocketModeReceiver::SocketModeReceiver(OpenUrl openUrl, Connect connect, SocketModeEnvelopes& envelopes,
                                       MetricsRegistry& metrics, SocketModeOptions options)
    : openUrl_(std::move(openUrl)),
      connect_(std::move(connect)),
      envelopes_(envelopes),
      metrics_(metrics),
      options_(options),
      workers_(options.workers, 1000) {
  metrics_.declareGauge("patbot_socket_connections_open", "Socket Mode connections that said hello and are not leaving.");
  metrics_.declareCounter("patbot_socket_reconnects_total",
                          "Socket Mode connections replaced, by reason (warning, refresh_requested, "
                          "too_many_websockets, dead, closed, no_hello).");
  metrics_.declareCounter("patbot_socket_open_failures_total",
                          "Failed attempts to open a Socket Mode connection, by error kind.");
  metrics_.declareHistogram("patbot_socket_ack_seconds",
                            "From an envelope's arrival to its ack written on the WebSocket.",
                            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5});
  metrics_.declareCounter("patbot_socket_late_answers_total",
                          "Envelopes acknowledged without their answer at the ack deadline; the answer "
                          "went through the response_url.");
  metrics_.set("patbot_socket_connections_open", {}, 0);
}

SocketModeReceiver::~SocketModeReceiver() { stop(); }

void SocketModeReceiver::start() {
  std::lock_guard lock(mutex_);
  if (supervisor_.joinable() || stopping_) return;
  supervisor_ = std::thread([this] { supervise(); });
  watchdog_ = std::thread([this] { watch(); });
}

void SocketModeReceiver::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  workers_.shutdown(/*runQueued=*/false);
  {
    std::lock_guard lock(watchMutex_);
    watchStop_ = true;
  }
  watchWake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  std::lock_guard lock(mutex_);
  connections_.clear();
  ready_ = 0;
}

std::optional<std::string> SocketModeReceiver::fatalError() const {
  std::lock_guard lock(mutex_);
  return fatal_;
}

void SocketModeReceiver::supervise() {
  RequestScope scope(newRequestId());
  std::unique_lock lock(mutex_);
  while (!stopping_ && !fatal_) {
    tidy(lock);
    if (stopping_ || fatal_) break;
    const auto live = std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->live(); });
    if (live < options_.connections && SteadyClock::now() >= nextAttempt_) {
      openOne(lock);
      continue;
    }
    wake_.wait_for(lock, kSupervisorTick);
  }
  // Stopping (or fatal): close every connection, then wait for the readers.
  for (auto& c : connections_) c->closing = true;
  publishReady();
  lock.unlock();
  for (auto& c : connections_) c->socket->close();
  for (auto& c : connections_) {
    if (c->reader.joinable()) c->reader.join();
  }
}

void SocketModeReceiver::openOne(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  auto url = openUrl_();
  Result<std::unique_ptr<http::WebSocket>> socket =
      url ? connect_(*url) : Result<std::unique_ptr<http::WebSocket>>(url.error());
  lock.lock();
  if (!socket) {
    const Error& e = socket.error();
    metrics_.inc("patbot_socket_open_failures_total", {{"kind", errorKindName(e.kind)}});
    // Refused credentials, and a configuration that cannot work (a proxy that is not http://, a
    // CA file that does not load), are not cured by retrying.
    if (e.kind == ErrorKind::kUnauthorized || e.kind == ErrorKind::kForbidden || e.kind == ErrorKind::kConfig) {
      fail(e.message);
      return;
    }
    ++failures_;
    if (e.kind == ErrorKind::kRateLimited) {
      nextAttempt_ = SteadyClock::now() + e.retryAfter;
    } else {
      backOff();
    }
    spdlog::warn("Socket Mode: could not open a connection: {}; next attempt in {:.1f} s", e.message,
                 seconds(nextAttempt_ - SteadyClock::now()));
    return;
  }
  if (stopping_) {
    lock.unlock();
    (*socket)->close();
    lock.lock();
    return;
  }
  auto connection = std::make_unique<Connection>();
  connection->id = nextId_++;
  connection->socket = std::move(*socket);
  connection->opened = SteadyClock::now();
  Connection* raw = connection.get();
  connections_.push_back(std::move(connection));
  raw->reader = std::thread([this, raw] { readLoop(raw); });
}

void SocketModeReceiver::readLoop(Connection* connection) {
  RequestScope scope(newRequestId());
  for (;;) {
    auto text = connection->socket->read();
    if (!text) {
      std::lock_guard lock(mutex_);
      connection->ended = true;
      connection->endReason = text.error().message;
      connection->endedByTimeout = text.error().kind == ErrorKind::kTimeout ||
                                   text.error().message.find("dead") != std::string::npos;
      publishReady();
      wake_.notify_all();
      return;
    }
    onFrame(connection, *text, SteadyClock::now());
  }
}

void SocketModeReceiver::onFrame(Connection* connection, const std::string& text, SteadyClock::time_point arrived) {
  auto frame = slack::parseSocketFrame(text);
  if (!frame) {
    // The text may hold a response_url (a credential): only its size is logged.
    spdlog::warn("Socket Mode: connection {} sent an unreadable frame ({} bytes): {}", connection->id, text.size(),
                 frame.error().message);
    return;
  }
  std::unique_lock lock(mutex_);
  switch (frame->kind) {
    case slack::SocketFrameKind::kHello: {
      connection->helloed = true;
      failures_ = 0;
      publishReady();
      spdlog::info("Socket Mode: connection {} open ({} of {} open; Slack counts {})", connection->id, ready_.load(),
                   options_.connections, frame->numConnections);
      return;
    }
    case slack::SocketFrameKind::kDisconnect: {
      const auto action = slack::disconnectAction(frame->reason);
      const std::string reason = action == slack::DisconnectAction::kReplace &&
                                         frame->reason != "warning" && frame->reason != "refresh_requested"
                                     ? "other"
                                     : frame->reason;
      if (action == slack::DisconnectAction::kFatal) {
        fail("Slack turned Socket Mode off for this app (link_disabled): turn it on again under Socket Mode in "
             "the app's settings, or serve over HTTP without SLACK_APP_TOKEN");
        return;
      }
      if (connection->leaving || connection->closing) return;
      connection->leaving = true;
      connection->leavingSince = SteadyClock::now();
      countReconnect(reason);
      publishReady();
      if (action == slack::DisconnectAction::kBackOff) {
        ++failures_;
        backOff();
        connection->closing = true;
        spdlog::warn("Socket Mode: connection {}: Slack says too many connections; closing it and waiting {:.1f} s",
                     connection->id, seconds(nextAttempt_ - SteadyClock::now()));
        lock.unlock();
        connection->socket->close();
        return;
      }
      spdlog::info("Socket Mode: connection {}: Slack asks to reconnect ({}); opening its replacement first",
                   connection->id, reason);
      wake_.notify_all();
      return;
    }
    case slack::SocketFrameKind::kEnvelope:
      break;
  }
  ++connection->inFlight;
  lock.unlock();
  auto envelope = std::make_shared<slack::SocketFrame>(std::move(*frame));
  const bool queued = workers_.post(currentRequestId(), [this, connection, envelope, arrived] {
    answer(connection, *envelope, arrived);
  });
  if (!queued) {
    spdlog::error("Socket Mode: envelope {} dropped: every worker is busy; Slack will deliver it again",
                  envelope->envelopeId);
    std::lock_guard relock(mutex_);
    --connection->inFlight;
    wake_.notify_all();
  }
}

void SocketModeReceiver::answer(Connection* connection, const slack::SocketFrame& envelope,
                                SteadyClock::time_point arrived) {
  auto pending = std::make_shared<PendingAck>();
  pending->connection = connection;
  pending->envelopeId = envelope.envelopeId;
  pending->arrived = arrived;
  bool earliest = false;
  {
    std::lock_guard lock(watchMutex_);
    auto at = watched_.emplace(arrived + options_.ackDeadline, pending);
    earliest = at == watched_.begin();
  }
  // The watchdog sleeps until the earliest deadline; only a new earliest one needs to wake it
  // (deadlines mostly arrive in order, so this is rare: no wake-up per envelope).
  if (earliest) watchWake_.notify_one();
  SocketAnswer answer = envelopes_.handle(envelope);
  bool late = false;
  {
    std::lock_guard claim(pending->mutex);
    late = pending->claimed;
    pending->claimed = true;
    if (!late) sendAck(connection, envelope.envelopeId, answer.ack, arrived);
  }
  if (late) {
    spdlog::warn("Socket Mode: envelope {} was acknowledged without its answer after {:.1f} s; the answer goes "
                 "through the response_url",
                 envelope.envelopeId, seconds(SteadyClock::now() - arrived));
    envelopes_.deliverLate(answer);
  }
  std::lock_guard lock(mutex_);
  --connection->inFlight;
  // The supervisor waits on the acks of connections it is closing or reaping, never on others:
  // no wake-up per envelope.
  if (connection->leaving || connection->closing || connection->ended) wake_.notify_all();
}

bool SocketModeReceiver::sendAck(Connection* connection, const std::string& envelopeId, const std::string& text,
                                 SteadyClock::time_point arrived) {
  if (auto sent = connection->socket->send(text); !sent) {
    spdlog::warn("Socket Mode: the ack of envelope {} could not be written on connection {} ({}); Slack will "
                 "deliver it again and it will not run twice",
                 envelopeId, connection->id, sent.error().message);
    return false;
  }
  metrics_.observe("patbot_socket_ack_seconds", {}, seconds(SteadyClock::now() - arrived));
  return true;
}

void SocketModeReceiver::watch() {
  std::unique_lock lock(watchMutex_);
  while (!watchStop_) {
    if (watched_.empty()) {
      watchWake_.wait(lock);
      continue;
    }
    auto first = watched_.begin();
    if (SteadyClock::now() < first->first) {
      watchWake_.wait_until(lock, first->first);
      continue;
    }
    std::shared_ptr<PendingAck> pending = first->second;
    watched_.erase(first);
    lock.unlock();
    {
      std::lock_guard claim(pending->mutex);
      if (!pending->claimed) {
        pending->claimed = true;
        metrics_.inc("patbot_socket_late_answers_total");
        sendAck(pending->connection, pending->envelopeId, slack::socketAck(pending->envelopeId), pending->arrived);
      }
    }
    lock.lock();
  }
}

void SocketModeReceiver::tidy(std::unique_lock<std::mutex>& lock) {
  const auto now = SteadyClock::now();
  std::vector<Connection*> toClose;
  const auto readyLive = std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->ready(); });
  for (auto& c : connections_) {
    if (c->ended || c->closing) continue;
    if (!c->helloed && now - c->opened > options_.helloTimeout) {
      spdlog::warn("Socket Mode: connection {} sent no hello within {:.1f} s; replacing it", c->id,
                   seconds(options_.helloTimeout));
      countReconnect("no_hello");
      ++failures_;
      backOff();
      c->closing = true;
      toClose.push_back(c.get());
      continue;
    }
    if (c->leaving) {
      const bool replaced = readyLive >= options_.connections || now - c->leavingSince > options_.leaveTimeout;
      const bool acked = c->inFlight == 0 || now - c->leavingSince > options_.leaveTimeout + kAckGrace;
      if (replaced && acked) {
        c->closing = true;
        toClose.push_back(c.get());
      }
    }
  }
  // Closed before anything is reaped: only this thread removes connections, so the pointers hold.
  if (!toClose.empty()) {
    lock.unlock();
    for (Connection* c : toClose) c->socket->close();   // its reader then ends and is reaped below
    lock.lock();
  }
  // Connections whose reader has returned and whose acks are written (or can no longer be).
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = **it;
    if (!c.ended || c.inFlight > 0) {
      ++it;
      continue;
    }
    if (!c.closing && !c.leaving) {
      countReconnect(c.endedByTimeout ? "dead" : "closed");
      if (!c.helloed || now - c.opened < kShortLived) {
        ++failures_;
        backOff();
      }
      spdlog::warn("Socket Mode: connection {} ended: {}; reconnecting", c.id, c.endReason);
    }
    std::unique_ptr<Connection> done = std::move(*it);
    it = connections_.erase(it);
    lock.unlock();
    if (done->reader.joinable()) done->reader.join();
    done.reset();
    lock.lock();
  }
  publishReady();
}

void SocketModeReceiver::fail(const std::string& why) {
  if (fatal_) return;
  fatal_ = why;   // not logged here: the owner reports it once (patbot serve exits with it)
  wake_.notify_all();
}

void SocketModeReceiver::backOff() {
  const int doublings = std::clamp(failures_ - 1, 0, 16);
  const std::chrono::milliseconds doubled = options_.backoffBase * (int64_t{1} << doublings);
  const std::chrono::milliseconds delay = std::min(options_.backoffMax, doubled);
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  auto jittered = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(delay.count()) * jitter(random_)));
  nextAttempt_ = SteadyClock::now() + jittered;
}

void SocketModeReceiver::publishReady() {
  const auto n = std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->ready(); });
  ready_ = static_cast<int>(n);
  metrics_.set("patbot_socket_connections_open", {}, static_cast<double>(n));
}

void SocketModeReceiver::countReconnect(const std::string& reason) {
  metrics_.inc("patbot_socket_reconnects_total", {{"reason", reason}});
}

}  // namespace patbot
