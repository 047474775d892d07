#include "handlers/status_format.h"

#include <algorithm>

#include <fmt/format.h>

#include "handlers/token_naming.h"
#include "slack/terminal_renderer.h"
#include "slack/utf8.h"

namespace patbot::handlers {
namespace {

// Column clips in Slack, in code points (the terminal shows cells whole).
constexpr std::size_t kOwnerWidth = 24;          // a service account's username
constexpr std::size_t kResourceOwnerWidth = 40;  // "project " and a full path
constexpr std::size_t kTokenWidth = 40;
constexpr std::size_t kScopesWidth = 24;

size_t codePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool allPersonal(const std::vector<StatusRow>& rows) {
  return std::all_of(rows.begin(), rows.end(),
                     [](const StatusRow& r) { return r.kind == gitlab::TokenKind::kPersonal; });
}

// "api,read_api", and " · Maintainer" for a project or group token. With `width`, the scopes are
// clipped so that the whole fits and the role stays visible.
std::string scopesCell(const StatusRow& r, size_t width) {
  std::string scopes;
  for (const auto& s : r.scopes) {
    if (!scopes.empty()) scopes += ',';
    scopes += s;
  }
  if (scopes.empty()) scopes = "-";
  if (!r.accessLevel) return scopes;   // tableMessages clips it like any cell
  const std::string role = " \xC2\xB7 " + gitlab::accessLevelName(*r.accessLevel);
  if (width && codePoints(scopes) + codePoints(role) > width && width > codePoints(role) + 1) {
    scopes = slack::utf8::clipCodePoints(scopes, width - codePoints(role));
  }
  return scopes + role;
}

// `scopesWidth` 0: cells whole.
std::vector<std::string> rowCells(const StatusRow& r, size_t scopesWidth) {
  return {ownerLabel(r.kind, r.account),
          r.tokenName,
          std::to_string(r.tokenId),
          scopesCell(r, scopesWidth),
          r.expiresAt ? formatDate(*r.expiresAt) : "never",
          r.daysLeft ? std::to_string(*r.daysLeft) : "-",
          r.lastUsedAt ? formatDate(utcDay(*r.lastUsedAt)) : "never",
          tokenStateName(r.state)};
}

slack::Table buildTable(const std::vector<StatusRow>& rows, size_t scopesWidth) {
  const bool personal = allPersonal(rows);
  slack::Table t;
  t.columns = {personal ? "account" : "owner", "token", "id", "scopes", "expires", "days left", "last used", "state"};
  t.maxWidths = {personal ? kOwnerWidth : kResourceOwnerWidth, kTokenWidth, 0, kScopesWidth, 0, 0, 0, 0};
  for (const auto& r : rows) t.rows.push_back(rowCells(r, scopesWidth));
  return t;
}

std::string plural(int n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

}  // namespace

std::string statusSummary(const StatusCounts& c, int expiringWindowDays) {
  std::vector<std::string> owners;
  if (c.accounts || (!c.projects && !c.groups)) {
    owners.push_back(plural(c.accounts, "service account", "service accounts"));
  }
  if (c.projects) owners.push_back(plural(c.projects, "project", "projects"));
  if (c.groups) owners.push_back(plural(c.groups, "group", "groups"));
  std::string s = plural(c.tokens, "token", "tokens") + " on ";
  for (size_t i = 0; i < owners.size(); ++i) {
    if (i > 0) s += i + 1 == owners.size() ? " and " : ", ";
    s += owners[i];
  }
  std::vector<std::string> parts;
  if (c.expired) parts.push_back(fmt::format("{} expired", c.expired));
  if (c.expiring) parts.push_back(fmt::format("{} expiring within {} days", c.expiring, expiringWindowDays));
  if (c.revoked) parts.push_back(fmt::format("{} revoked", c.revoked));
  if (parts.empty() && c.tokens > 0) parts.push_back("all fine");
  for (size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? ": " : ", ") + parts[i];
  return s;
}

slack::Table statusTable(const std::vector<StatusRow>& rows) { return buildTable(rows, kScopesWidth); }

std::vector<slack::Message> statusMessages(const std::vector<StatusRow>& rows, int expiringWindowDays,
                                           const std::vector<std::string>& footer) {
  auto counts = countRows(rows);
  auto summary = statusSummary(counts, expiringWindowDays);
  if (rows.empty()) {
    auto m = slack::textMessage("No tokens match.", false);
    return {m};
  }
  return slack::tableMessages(allPersonal(rows) ? "GitLab service-account tokens" : "GitLab access tokens", summary,
                              statusTable(rows), footer, /*ephemeral=*/false);
}

std::string statusText(const std::vector<StatusRow>& rows) {
  auto table = buildTable(rows, /*scopesWidth=*/0);
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
