#include "bot/audit_head_publisher.h"

#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/request_context.h"
#include "core/time_format.h"
#include "slack/block_kit.h"

namespace patbot {

AuditHeadPublisher::AuditHeadPublisher(storage::AuditStore& audit, const Clock& clock, std::string channel,
                                       slack::Notifier& notifier, std::chrono::hours interval)
    : audit_(audit), clock_(clock), channel_(std::move(channel)), notifier_(notifier), interval_(interval) {}

std::string AuditHeadPublisher::messageText(const storage::AuditHead& head) {
  return fmt::format("Audit trail head: row {}, sha256 {} (check with `patbot audit verify --expect-head {}:{}`)",
                     head.id, head.hash, head.id, head.hash);
}

Result<std::optional<TimePoint>> AuditHeadPublisher::lastPublication() {
  storage::AuditQuery q;
  q.limit = 1;
  q.target = kTarget;
  q.actor = kActor;
  auto rows = audit_.latest(q);
  if (!rows) return rows.error();
  if (rows->empty() || rows->front().record.action != kAction) return std::optional<TimePoint>();
  auto ts = parseTimestamp(rows->front().ts);
  if (!ts) {
    return Error::make(ErrorKind::kStorage, "the audit trail's last head publication has an unreadable time",
                       fmt::format("audit row {} has ts \"{}\"", rows->front().id, rows->front().ts));
  }
  return std::optional<TimePoint>(*ts);
}

bool AuditHeadPublisher::tick() {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.now();
  if (!loaded_) {
    auto last = lastPublication();
    if (!last) {
      spdlog::warn("audit head: cannot read the last publication ({}); trying again later", last.error().detail.empty()
                                                                                              ? last.error().message
                                                                                              : last.error().detail);
      return false;
    }
    last_ = *last;
    loaded_ = true;
  }
  // Due after `interval`; a last publication further in the future than that means the clock was
  // set back (waiting for it would stop publications for as long).
  if (last_ && now - *last_ < interval_ && *last_ - now < interval_) return false;

  auto head = audit_.head();
  if (!head) {
    spdlog::warn("audit head: cannot read the head ({}); trying again later",
                 head.error().detail.empty() ? head.error().message : head.error().detail);
    return false;
  }
  if (!*head) return false;   // an empty trail has no head yet

  const storage::AuditHead& published = **head;
  const std::string text = messageText(published);
  spdlog::info("{}", text);
  if (!channel_.empty()) {
    if (auto posted = notifier_.post(channel_, slack::textMessage(text, /*ephemeral=*/false)); !posted) {
      spdlog::warn("audit head: not posted: {}", posted.error().message);
    }
  }
  last_ = now;

  storage::AuditRecord record;
  record.actor = kActor;
  record.action = kAction;
  record.target = kTarget;
  record.outcome = "published";
  record.detail = {{"head_id", published.id}, {"head_hash", published.hash}, {"channel", channel_}};
  record.requestId = currentRequestId().empty() ? "-" : currentRequestId();
  if (auto appended = audit_.append(record); !appended) {
    spdlog::error("audit head: published row {} but could not record it in the audit trail ({})", published.id,
                  appended.error().detail.empty() ? appended.error().message : appended.error().detail);
  }
  return true;
}

}  // namespace patbot
