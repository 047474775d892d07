// SocketModeEnvelopes: what one Socket Mode envelope becomes (reference/slack-socket-mode.md §2–3)
// — the Socket Mode twin of SlackEndpoints. A `slash_commands` envelope is the same request as a
// signed POST to /slack/commands and an `interactive` one the same as a POST to
// /slack/interactions: both go to the one dispatcher (CommandService) with the same roles,
// channel rules, audit rows, metrics and replies. There is no signature to check: the connection
// is authenticated by the app-level token.
//
// Also: at most one run per envelope_id. Slack redelivers an envelope whose ack it did not get
// (retry_attempt > 0), possibly on another connection, and may send one on two connections; the
// second copy gets the first one's ack again and runs nothing. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bot/command_service.h"
#include "core/metrics.h"
#include "slack/socket_mode_frames.h"

namespace patbot {

class SocketModeEnvelopes {
 public:
  SocketModeEnvelopes(CommandService& commands, MetricsRegistry& metrics);

  // The ack text to send for `envelope` (always one: an envelope patbot cannot use is still
  // acknowledged, or Slack would send it again and again), under a new request id. Blocks no
  // longer than the dispatcher's ack does, plus, for a copy of an envelope still being handled,
  // until that one is done (at most kCopyWait).
  std::string handle(const slack::SocketFrame& envelope);

  static constexpr std::chrono::milliseconds kCopyWait{2500};
  // How long an envelope_id is remembered; Slack retries within minutes.
  static constexpr std::chrono::minutes kRemember{15};

 private:
  std::string dispatch(const slack::SocketFrame& envelope, const std::string& requestId);
  // The ack of an envelope already seen (waiting for it when still running), or nullopt when
  // this is the first copy (then it is marked as running).
  std::optional<std::string> previousAck(const std::string& envelopeId);
  void remember(const std::string& envelopeId, const std::string& ack);

  struct Seen {
    bool done = false;
    std::string ack;
  };
  CommandService& commands_;
  MetricsRegistry& metrics_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::unordered_map<std::string, Seen> seen_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> order_;   // for forgetting
};

}  // namespace patbot
