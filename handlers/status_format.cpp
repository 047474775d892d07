#include "handlers/status_format.h"

#include <algorithm>

#include <fmt/format.h>

#include "slack/terminal_renderer.h"

namespace patbot::handlers {
namespace {

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out.empty() ? "-" : out;
}

std::vector<std::string> rowCells(const StatusRow& r) {
  return {r.account,
          r.tokenName,
          std::to_string(r.tokenId),
          joinScopes(r.scopes),
          r.expiresAt ? formatDate(*r.expiresAt) : "never",
          r.daysLeft ? std::to_string(*r.daysLeft) : "-",
          r.lastUsedAt ? formatDate(utcDay(*r.lastUsedAt)) : "never",
          tokenStateName(r.state)};
}

size_t codePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

std::string statusSummary(const StatusCounts& c, int expiringWindowDays) {
  std::string s = fmt::format("{} token{} on {} service account{}", c.tokens, c.tokens == 1 ? "" : "s",
                              c.accounts, c.accounts == 1 ? "" : "s");
  std::vector<std::string> parts;
  if (c.expired) parts.push_back(fmt::format("{} expired", c.expired));
  if (c.expiring) parts.push_back(fmt::format("{} expiring within {} days", c.expiring, expiringWindowDays));
  if (c.revoked) parts.push_back(fmt::format("{} revoked", c.revoked));
  if (parts.empty() && c.tokens > 0) parts.push_back("all fine");
  for (size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? ": " : ", ") + parts[i];
  return s;
}

slack::Table statusTable(const std::vector<StatusRow>& rows) {
  slack::Table t;
  t.columns = {"account", "token", "id", "scopes", "expires", "days left", "last used", "state"};
  t.maxWidths = {24, 40, 0, 24, 0, 0, 0, 0};
  for (const auto& r : rows) t.rows.push_back(rowCells(r));
  return t;
}

std::vector<slack::Message> statusMessages(const std::vector<StatusRow>& rows, int expiringWindowDays,
                                           const std::vector<std::string>& footer) {
  auto counts = countRows(rows);
  auto summary = statusSummary(counts, expiringWindowDays);
  if (rows.empty()) {
    auto m = slack::textMessage("No service-account tokens match.", false);
    return {m};
  }
  return slack::tableMessages("GitLab service-account tokens", summary, statusTable(rows), footer,
                              /*ephemeral=*/false);
}

std::string statusText(const std::vector<StatusRow>& rows) {
  auto table = statusTable(rows);
  for (auto& row : table.rows) {
    for (auto& cell : row) {
      std::replace_if(cell.begin(), cell.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
      cell = slack::neutralizeControls(cell);
    }
  }
  std::vector<size_t> widths(table.columns.size());
  for (size_t i = 0; i < table.columns.size(); ++i) widths[i] = codePoints(table.columns[i]);
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], codePoints(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(widths[i] - codePoints(cells[i]) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(table.columns);
  std::vector<std::string> rule;
  for (auto w : widths) rule.push_back(std::string(w, '-'));
  out += line(rule);
  for (const auto& row : table.rows) out += line(row);
  return out;
}

}  // namespace patbot::handlers
