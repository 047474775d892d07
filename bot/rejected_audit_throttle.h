// RejectedAuditThrottle: decides which refused Slack requests (bad or missing signature, stale
// timestamp) get an audit row and a log line of their own, so that a flood of badly signed
// requests cannot fill the disk with audit rows or log lines.
//
// Contract:
// - Time is cut into windows of `window` length; a window opens at the first refusal after the
//   previous window has ended (not aligned to the wall clock).
// - In each window the first `individualPerWindow` refusals are admitted: record() returns
//   individual = true and the caller audits and logs them one by one, as before.
// - Later refusals in the same window are only counted: by reason, by path and by remote address
//   (at most kMaxRemotes distinct addresses, the rest counted under "other").
// - A window that suppressed at least one refusal yields exactly one RejectedSummary, handed out
//   once: by record() when a refusal arrives after the window ended, by takeDue() once the window
//   has ended (a periodic flush), or by takeAll() whatever the time (shutdown). A window that
//   suppressed nothing yields nothing.
// - Hence N refusals spread over T seconds cost at most
//   ceil(T / window) * (individualPerWindow + 1) audit rows, whatever N is.
// Thread-safe (one mutex); no I/O and no clock of its own: callers pass `now` and write the rows.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace patbot {

struct RejectedRequest {
  std::string reason;   // e.g. "mismatch", "stale" (slack::signatureFailureName)
  std::string path;     // "/slack/commands" or "/slack/interactions"
  std::string remote;   // peer address as the HTTP server saw it
};

struct RejectedSummary {
  TimePoint windowStart;
  TimePoint windowEnd;                          // windowStart + window
  uint64_t individual = 0;                      // refusals of this window audited one by one
  uint64_t suppressed = 0;                      // refusals counted here instead (>= 1)
  std::map<std::string, uint64_t> byReason;     // of the suppressed ones
  std::map<std::string, uint64_t> byPath;
  std::map<std::string, uint64_t> byRemote;     // at most kMaxRemotes keys plus "other"

  // {"suppressed", "individually_audited", "window_start", "window_end", "reasons", "paths",
  //  "remotes"}; timestamps RFC 3339 UTC.
  nlohmann::json toJson() const;
};

class RejectedAuditThrottle {
 public:
  static constexpr size_t kMaxRemotes = 10;

  struct Decision {
    bool individual = false;                // audit and log this refusal by itself
    bool firstSuppressed = false;           // the first one of its window not audited by itself
    std::optional<RejectedSummary> closed;  // an earlier window's summary, now due
  };

  explicit RejectedAuditThrottle(size_t individualPerWindow = 20,
                                 std::chrono::seconds window = std::chrono::seconds(60));

  Decision record(const RejectedRequest& request, TimePoint now);
  // The current window's summary if that window has ended and suppressed anything.
  std::optional<RejectedSummary> takeDue(TimePoint now);
  // The current window's summary if it suppressed anything, ended or not; starts afresh.
  std::optional<RejectedSummary> takeAll();

  size_t individualPerWindow() const { return individualPerWindow_; }
  std::chrono::seconds window() const { return window_; }

 private:
  std::optional<RejectedSummary> closeLocked();

  const size_t individualPerWindow_;
  const std::chrono::seconds window_;
  std::mutex mutex_;
  bool open_ = false;   // a window is in progress (current_ valid)
  RejectedSummary current_;
};

}  // namespace patbot
