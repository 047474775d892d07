#include "bot/rejected_audit_throttle.h"

#include "core/time_format.h"

namespace patbot {
namespace {

constexpr const char* kOtherRemotes = "other";

}  // namespace

nlohmann::json RejectedSummary::toJson() const {
  return {{"suppressed", suppressed},
          {"individually_audited", individual},
          {"window_start", formatTimestamp(windowStart)},
          {"window_end", formatTimestamp(windowEnd)},
          {"reasons", byReason},
          {"paths", byPath},
          {"remotes", byRemote}};
}

RejectedAuditThrottle::RejectedAuditThrottle(size_t individualPerWindow, std::chrono::seconds window)
    : individualPerWindow_(individualPerWindow), window_(window.count() > 0 ? window : std::chrono::seconds(1)) {}

std::optional<RejectedSummary> RejectedAuditThrottle::closeLocked() {
  std::optional<RejectedSummary> out;
  if (open_ && current_.suppressed > 0) out = std::move(current_);
  open_ = false;
  current_ = RejectedSummary{};
  return out;
}

RejectedAuditThrottle::Decision RejectedAuditThrottle::record(const RejectedRequest& request, TimePoint now) {
  std::lock_guard lock(mutex_);
  Decision decision;
  if (open_ && now >= current_.windowEnd) decision.closed = closeLocked();
  if (!open_) {
    open_ = true;
    current_.windowStart = now;
    current_.windowEnd = now + window_;
  }
  if (current_.individual < individualPerWindow_) {
    ++current_.individual;
    decision.individual = true;
    return decision;
  }
  decision.firstSuppressed = current_.suppressed == 0;
  ++current_.suppressed;
  ++current_.byReason[request.reason];
  ++current_.byPath[request.path];
  auto& remotes = current_.byRemote;
  size_t distinct = remotes.size() - remotes.count(kOtherRemotes);
  if (remotes.count(request.remote) == 1 || distinct < kMaxRemotes) {
    ++remotes[request.remote];
  } else {
    ++remotes[kOtherRemotes];
  }
  return decision;
}

std::optional<RejectedSummary> RejectedAuditThrottle::takeDue(TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!open_ || now < current_.windowEnd) return std::nullopt;
  return closeLocked();
}

std::optional<RejectedSummary> RejectedAuditThrottle::takeAll() {
  std::lock_guard lock(mutex_);
  return closeLocked();
}

}  // namespace patbot
