#include "handlers/outbox_notifier.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace patbot::handlers {
namespace {

constexpr const char* kPending = "patbot_watcher_notices_pending";

nlohmann::json stored(const slack::Message& m) { return {{"text", m.text}, {"blocks", m.blocks}}; }

slack::Message channelMessage(const nlohmann::json& stored) {
  slack::Message m;
  m.text = stored.value("text", "");
  m.blocks = stored.value("blocks", nlohmann::json::array());
  m.ephemeral = false;
  return m;
}

}  // namespace

OutboxNotifier::OutboxNotifier(storage::WatcherStore& store, slack::Notifier& slack, const Clock& clock,
                               MetricsRegistry& metrics, OutboxOptions options)
    : store_(store), slack_(slack), clock_(clock), metrics_(metrics), options_(options) {
  metrics_.declareGauge(kPending, "Watcher notices waiting to be posted to Slack.");
  updatePendingGauge();
}

Result<slack::PostedMessage> OutboxNotifier::post(const std::string& channel, const slack::Message& message) {
  if (channel.empty()) {
    spdlog::info("outbox: no channel, logged only: {}", message.text);
    return slack::PostedMessage{};
  }
  if (auto queued = store_.recordDigest({}, channel, {stored(message)}); !queued) {
    spdlog::error("outbox: cannot queue a notice ({}); posting it once directly", queued.error().detail);
    slack::Message m = message;
    m.ephemeral = false;
    auto posted = slack_.post(channel, m);
    if (!posted) spdlog::warn("notice not posted: {}", posted.error().message);
    return posted;
  }
  flush();
  return slack::PostedMessage{channel, ""};
}

Status OutboxNotifier::respond(const std::string& responseUrl, const slack::Message& message) {
  return slack_.respond(responseUrl, message);
}

Status OutboxNotifier::update(const slack::PostedMessage& where, const slack::Message& message) {
  return slack_.update(where, message);
}

Status OutboxNotifier::queue(const std::string& channel, const std::vector<slack::Message>& messages,
                             const std::vector<storage::Announcement>& announced) {
  std::vector<nlohmann::json> rows;
  for (const auto& m : messages) rows.push_back(stored(m));
  return store_.recordDigest(announced, channel, rows);
}

void OutboxNotifier::flush() {
  std::lock_guard lock(flushMutex_);
  auto pending = store_.pendingNotices();
  if (!pending) {
    spdlog::error("outbox: cannot read the outbox: {}", pending.error().detail);
    return;
  }
  std::set<std::string> held;   // channels with an earlier notice waiting: nothing overtakes it
  for (const auto& n : *pending) {
    if (held.count(n.channel)) continue;
    const TimePoint now = clock_.now();
    if (n.nextAttemptAt > now) {
      held.insert(n.channel);
      continue;
    }
    auto posted = slack_.post(n.channel, channelMessage(n.message));
    if (posted) {
      if (auto s = store_.markSent(n.id); !s) spdlog::error("outbox: {}", s.error().detail);
      continue;
    }
    auto backoff = options_.firstBackoff * (1LL << std::min(n.attempts, 10));
    auto wait = std::min<std::chrono::seconds>(backoff, options_.maxBackoff);
    spdlog::warn("outbox: notice {} not posted (attempt {}), next try in {} s: {}", n.id, n.attempts + 1,
                 wait.count(), posted.error().message);
    if (auto s = store_.markFailed(n.id, now + wait, posted.error().message); !s) {
      spdlog::error("outbox: {}", s.error().detail);
    }
    held.insert(n.channel);
  }
  updatePendingGauge();
}

void OutboxNotifier::updatePendingGauge() {
  if (auto n = store_.pendingCount()) metrics_.set(kPending, {}, *n);
}

}  // namespace patbot::handlers
