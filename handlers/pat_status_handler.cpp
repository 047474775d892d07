#include "handlers/pat_status_handler.h"

#include <charconv>

#include <fmt/format.h>

#include "handlers/status_format.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

std::optional<int> parseDays(const std::string& s) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0 || v > 3650) return std::nullopt;
  return v;
}

}  // namespace

Result<StatusFilter> parseStatusArgs(const std::vector<std::string>& args) {
  StatusFilter filter;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--all") {
      filter.includeRevoked = true;
    } else if (a == "--expiring" || a.rfind("--expiring=", 0) == 0) {
      std::string value;
      if (a == "--expiring") {
        if (i + 1 >= args.size()) {
          return Error::make(ErrorKind::kInvalidInput, "--expiring needs a number of days, e.g. --expiring 14");
        }
        value = args[++i];
      } else {
        value = a.substr(std::string("--expiring=").size());
      }
      auto days = parseDays(value);
      if (!days) {
        return Error::make(ErrorKind::kInvalidInput,
                           fmt::format("--expiring takes a whole number of days from 0 to 3650, not \"{}\"", value));
      }
      filter.expiringWithinDays = *days;
    } else if (a.rfind("--", 0) == 0) {
      return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    } else if (!filter.query.empty()) {
      return Error::make(ErrorKind::kInvalidInput,
                         fmt::format("status takes one QUERY, got \"{}\" and \"{}\" (quote a name with spaces)",
                                     filter.query, a));
    } else {
      filter.query = a;
    }
  }
  return filter;
}

PatStatusHandler::PatStatusHandler(gitlab::GitLabApi& gitlab, const Clock& clock, int expiringWindowDays,
                                   std::string sourceLabel, CachedInventory* cache)
    : gitlab_(gitlab),
      clock_(clock),
      expiringWindowDays_(expiringWindowDays),
      sourceLabel_(std::move(sourceLabel)),
      cache_(cache) {}

Result<Prepared> PatStatusHandler::prepare(const CommandRequest& request) {
  auto filter = parseStatusArgs(request.args);
  if (!filter) return filter.error();
  Prepared p;
  p.ack = slack::textMessage(":hourglass_flowing_sand: Asking GitLab for the tokens…");
  p.target = filter->query;
  p.work = [this, f = *filter] { return run(f); };
  return p;
}

CommandOutput PatStatusHandler::run(const StatusFilter& filter) {
  CommandOutput out;
  std::optional<InventorySnapshot> cached = cache_ ? cache_->reusable() : std::nullopt;
  if (cached && cached->age >= kCachedInventoryMaxAge) cached.reset();
  Result<gitlab::Inventory> inventory =
      cached ? Result<gitlab::Inventory>(cached->inventory) : gitlab_.inventory();
  if (!inventory) {
    out.outcome = "error";
    out.detail = inventory.error().detail.empty() ? inventory.error().message : inventory.error().detail;
    out.messages.push_back(slack::errorReply(":x: Could not list tokens:", inventory.error().message));
    return out;
  }
  auto now = clock_.now();
  auto rows = statusRows(*inventory, utcDay(now), expiringWindowDays_, filter);
  auto when = formatTimestamp(cached ? cached->takenAt : now);
  std::string origin;
  if (cached) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(cached->age).count();
    origin = minutes == 0 ? ", from the watcher's scan less than a minute ago"
                          : fmt::format(", from the watcher's scan {} min ago", minutes);
  }
  std::vector<std::string> footer{fmt::format("Checked {} {} UTC{} · {} · {} GitLab calls", when.substr(0, 10),
                                              when.substr(11, 5), origin, sourceLabel_, inventory->requests)};
  if (!filter.includeRevoked) footer.push_back("Revoked tokens hidden; add --all to show them.");
  out.messages = statusMessages(rows, expiringWindowDays_, footer);
  out.detail = fmt::format("{} rows", rows.size());
  return out;
}

}  // namespace patbot::handlers
