// FakeSocketMode::burst: many pre-built envelopes with a bounded window of unacked ones, for
// bench/socket. Lean on purpose: acks of a burst are matched through an index and stamped in
// vectors, never logged one by one; only the summary is kept (GET /_fake/socket/acks "bursts").
#include <algorithm>
#include <cmath>

#include "sim/fake_socket_mode.h"
#include "sim/fake_socket_mode_internal.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

// Nearest-rank percentile of sorted values; 0 when there are none.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

json FakeSocketMode::burst(BurstOrder order) {
  std::unique_lock lock(mu_);
  if (burst_) return {{"error", "a burst is already under way"}};
  std::vector<int64_t> targets;  // ids, not pointers: a reset meanwhile frees the connections
  for (const auto& c : connections_) {
    if (c->open && !c->silent && (!order.connection || c->id == *order.connection)) targets.push_back(c->id);
  }
  if (targets.empty()) return {{"error", "no open connection"}};
  const size_t n = order.envelopes.size();
  const size_t window = std::max<size_t>(1, order.inFlight);
  auto b = std::make_shared<Burst>();
  b->index.reserve(n);
  for (size_t i = 0; i < n; ++i) b->index.emplace(order.envelopes[i].id, i);
  b->sentAt.resize(n);
  b->ackedAt.resize(n);
  b->acked.assign(n, 0);
  burst_ = b;

  const auto start = SteadyClock::now();
  const auto deadline = start + order.timeout;
  b->lastProgress = start;
  size_t next = 0;
  size_t turn = 0;
  bool timedOut = false;
  for (;;) {
    while (next < n && b->inFlight < window) {
      Connection* c = nullptr;
      for (size_t tries = 0; tries < targets.size() && !c; ++tries) {
        Connection* candidate = byIdLocked(targets[turn++ % targets.size()]);
        if (candidate && candidate->open && !candidate->silent) c = candidate;
      }
      if (!c) break;  // every target closed: the rest cannot be sent
      size_t i = next++;
      b->sentAt[i] = SteadyClock::now();
      ++b->inFlight;
      ++c->envelopesSent;
      // The latency starts when the frame is written, not when it was queued.
      c->peer.sendText(std::move(order.envelopes[i].frame), [this, b, i](bool written) {
        if (!written) return;
        auto now = SteadyClock::now();
        std::lock_guard writtenLock(mu_);
        if (!b->acked[i]) b->sentAt[i] = now;
      });
    }
    if (b->ackedCount == n) break;
    auto now = SteadyClock::now();
    if (stopping_ || now >= deadline || now - b->lastProgress >= order.stall) {
      timedOut = true;
      break;
    }
    changed_.wait_until(lock, std::min(deadline, b->lastProgress + order.stall));
  }
  burst_.reset();

  std::vector<double> latencies;
  latencies.reserve(b->ackedCount);
  auto lastAck = start;
  for (size_t i = 0; i < n; ++i) {
    if (!b->acked[i]) continue;
    latencies.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(b->ackedAt[i] - b->sentAt[i]).count()));
    lastAck = std::max(lastAck, b->ackedAt[i]);
  }
  std::sort(latencies.begin(), latencies.end());
  auto end = b->ackedCount == n ? lastAck : SteadyClock::now();
  double elapsedMs = std::chrono::duration<double, std::milli>(end - start).count();
  json summary = {{"sent", next},
                  {"acked", b->ackedCount},
                  {"elapsed_ms", round3(elapsedMs)},
                  {"acks_per_s", elapsedMs > 0 ? round3(static_cast<double>(b->ackedCount) * 1000.0 / elapsedMs) : 0.0},
                  {"p50_ms", round3(percentile(latencies, 0.50))},
                  {"p90_ms", round3(percentile(latencies, 0.90))},
                  {"p99_ms", round3(percentile(latencies, 0.99))},
                  {"max_ms", round3(latencies.empty() ? 0.0 : latencies.back())},
                  {"timed_out", timedOut},
                  {"connections", targets}};
  burstLog_.push_back(summary);
  return summary;
}

}  // namespace patbot::fakes
