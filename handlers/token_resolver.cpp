#include "handlers/token_resolver.h"

#include <charconv>

#include <fmt/format.h>

namespace patbot::handlers {
namespace {

std::optional<int64_t> parseId(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

Result<ResolvedToken> resolveToken(const gitlab::Inventory& inventory, const std::string& text) {
  if (text.empty()) return Error::make(ErrorKind::kInvalidInput, "which token? Give a token id or ACCOUNT/NAME");
  if (auto id = parseId(text)) {
    for (const auto& entry : inventory.accounts) {
      for (const auto& t : entry.tokens) {
        if (t.id == *id) return ResolvedToken{entry.account, t};
      }
    }
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("no service-account token has id {} (see `/pat status --all`)", *id));
  }
  auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("\"{}\" is neither a token id nor ACCOUNT/NAME (e.g. deploy-bot/registry)", text));
  }
  std::string account = text.substr(0, slash);
  std::string name = text.substr(slash + 1);
  std::vector<ResolvedToken> matches;
  bool accountFound = false;
  for (const auto& entry : inventory.accounts) {
    if (entry.account.username != account) continue;
    accountFound = true;
    for (const auto& t : entry.tokens) {
      if (!t.revoked && t.name == name) matches.push_back({entry.account, t});
    }
  }
  if (!accountFound) {
    return Error::make(ErrorKind::kNotFound, fmt::format("no service account is called \"{}\"", account));
  }
  if (matches.empty()) {
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("{} has no unrevoked token named \"{}\" (see `/pat status {}`)", account, name, account));
  }
  if (matches.size() > 1) {
    std::string list;
    for (const auto& m : matches) {
      list += fmt::format("{}id {} (expires {})", list.empty() ? "" : ", ", m.token.id,
                          m.token.expiresAt ? formatDate(*m.token.expiresAt) : std::string("never"));
    }
    return Error::make(ErrorKind::kConflict,
                       fmt::format("{} has {} tokens named \"{}\": {}. Give the id instead.", account, matches.size(), name, list));
  }
  return matches.front();
}

}  // namespace patbot::handlers
