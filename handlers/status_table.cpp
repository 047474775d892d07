#include "handlers/status_table.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>
#include <utility>

#include "handlers/token_naming.h"

namespace patbot::handlers {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// StatusFilter::query's rule.
bool matchesQuery(const StatusRow& row, const std::string& query) {
  if (query.empty()) return true;
  const std::string q = lower(query);
  for (const std::string& text : {row.tokenName, ownerLabel(row.kind, row.account),
                                  tokenArgument(row.kind, row.account, row.tokenName),
                                  row.account + "/" + row.tokenName}) {
    if (lower(text).find(q) != std::string::npos) return true;
  }
  return false;
}

int urgencyRank(const StatusRow& row) { return row.state == TokenState::kRevoked ? 1 : 0; }

}  // namespace

const char* tokenStateName(TokenState state) {
  switch (state) {
    case TokenState::kOk: return "ok";
    case TokenState::kExpiring: return "expiring";
    case TokenState::kExpired: return "expired";
    case TokenState::kRevoked: return "revoked";
  }
  return "ok";
}

TokenState tokenState(const gitlab::AccessToken& token, Date today, int expiringWindowDays) {
  if (token.revoked) return TokenState::kRevoked;
  if (!token.expiresAt) return TokenState::kOk;
  if (*token.expiresAt <= today) return TokenState::kExpired;
  if ((*token.expiresAt - today).count() <= expiringWindowDays) return TokenState::kExpiring;
  return TokenState::kOk;
}

std::vector<StatusRow> statusRows(const gitlab::Inventory& inventory, Date today,
                                  int expiringWindowDays, const StatusFilter& filter) {
  std::vector<StatusRow> rows;
  for (const auto& entry : inventory.accounts) {
    for (const auto& token : entry.tokens) {
      StatusRow row;
      row.account = entry.account.username;
      row.kind = entry.account.kind;
      row.tokenName = token.name;
      row.tokenId = token.id;
      row.scopes = token.scopes;
      row.expiresAt = token.expiresAt;
      if (token.expiresAt) row.daysLeft = static_cast<int>((*token.expiresAt - today).count());
      row.lastUsedAt = token.lastUsedAt;
      row.state = tokenState(token, today, expiringWindowDays);
      row.accessLevel = token.accessLevel;
      if (row.state == TokenState::kRevoked && !filter.includeRevoked) continue;
      if (!matchesQuery(row, filter.query)) continue;
      if (filter.expiringWithinDays) {
        if (row.state == TokenState::kRevoked || !row.daysLeft ||
            *row.daysLeft > *filter.expiringWithinDays) {
          continue;
        }
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const StatusRow& a, const StatusRow& b) {
    auto key = [](const StatusRow& r) {
      return std::make_tuple(urgencyRank(r), !r.expiresAt.has_value(),
                             r.expiresAt.value_or(Date{}), r.account, r.kind, r.tokenName, r.tokenId);
    };
    return key(a) < key(b);
  });
  return rows;
}

StatusCounts countRows(const std::vector<StatusRow>& rows) {
  StatusCounts c;
  std::set<std::pair<gitlab::TokenKind, std::string>> owners;
  for (const auto& r : rows) {
    if (owners.insert({r.kind, r.account}).second) {
      switch (r.kind) {
        case gitlab::TokenKind::kPersonal: ++c.accounts; break;
        case gitlab::TokenKind::kProject: ++c.projects; break;
        case gitlab::TokenKind::kGroup: ++c.groups; break;
      }
    }
    ++c.tokens;
    if (r.state == TokenState::kExpired) ++c.expired;
    if (r.state == TokenState::kExpiring) ++c.expiring;
    if (r.state == TokenState::kRevoked) ++c.revoked;
  }
  return c;
}

}  // namespace patbot::handlers
