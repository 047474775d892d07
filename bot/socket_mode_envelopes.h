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
#include "core/clock.h"
#include "core/metrics.h"
#include "slack/socket_mode_frames.h"

namespace patbot {

// What one envelope was answered with.
struct SocketAnswer {
  std::string ack;                       // the ack frame's text
  std::optional<slack::Message> reply;   // the immediate answer it carries (a slash command's)
  std::string responseUrl;               // where that answer goes when the ack had to leave without it
  std::string channelId;
  TimePoint arrivedAt;
};

class SocketModeEnvelopes {
 public:
  SocketModeEnvelopes(CommandService& commands, MetricsRegistry& metrics, const Clock& clock);

  // The ack to send for `envelope` (always one: an envelope patbot cannot use is still
  // acknowledged, or Slack would send it again and again), under a new request id. Blocks no
  // longer than the dispatcher's ack does, plus, for a copy of an envelope still being handled,
  // until that one is done (at most kCopyWait).
  SocketAnswer handle(const slack::SocketFrame& envelope);

  // The immediate answer of an envelope whose ack already left without it (the dispatcher was
  // too slow for Slack's 3 s): through the command's response_url. Nothing when there is none.
  void deliverLate(const SocketAnswer& answer);

  static constexpr std::chrono::milliseconds kCopyWait{2500};
  // How long an envelope_id is remembered (Slack retries within minutes), and how long its ack
  // text with it (Slack redelivers 3 s after a missed ack; a later copy gets a bare ack). Memory:
  // ~100 bytes per envelope of the last 15 minutes, plus the acks of the last minute.
  static constexpr std::chrono::minutes kRemember{15};
  static constexpr std::chrono::minutes kRememberAck{1};

 private:
  SocketAnswer dispatch(const slack::SocketFrame& envelope, const std::string& requestId);
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
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::unordered_map<std::string, Seen> seen_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> order_;   // for forgetting ids
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> withAck_;  // for dropping acks
};

}  // namespace patbot
