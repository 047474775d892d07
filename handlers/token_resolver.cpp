#include "handlers/token_resolver.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "handlers/token_naming.h"

namespace patbot::handlers {
namespace {

using gitlab::TokenKind;

// Names listed in "it has …" before "and N more".
constexpr std::size_t kNamesListed = 10;

std::optional<int64_t> parseId(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string expiry(const gitlab::AccessToken& t) {
  return t.expiresAt ? formatDate(*t.expiresAt) : std::string("never");
}

// The unrevoked tokens of `entry` named `name`.
std::vector<ResolvedToken> named(const gitlab::AccountTokens& entry, const std::string& name) {
  std::vector<ResolvedToken> out;
  for (const auto& t : entry.tokens) {
    if (!t.revoked && t.name == name) out.push_back({entry.account, t});
  }
  return out;
}

// `owner` has several unrevoked tokens named `name`.
Error severalNamed(const std::string& owner, const std::string& name, const std::vector<ResolvedToken>& matches) {
  std::string list;
  for (const auto& m : matches) {
    list += fmt::format("{}id {} (expires {})", list.empty() ? "" : ", ", m.token.id, expiry(m.token));
  }
  return Error::make(ErrorKind::kConflict, fmt::format("{} has {} tokens named \"{}\": {}. Give the id instead.", owner,
                                                       matches.size(), name, list));
}

// "(it has "a", "b" and "c")", at most kNamesListed names, each once, in inventory order.
std::string namesItHas(const gitlab::AccountTokens& entry) {
  std::vector<std::string> names;
  for (const auto& t : entry.tokens) {
    if (!t.revoked && std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  }
  if (names.empty()) return "(it has none)";
  const std::size_t shown = std::min(names.size(), kNamesListed);
  std::string out = "(it has ";
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += i + 1 == shown && shown == names.size() ? " and " : ", ";
    out += "\"" + names[i] + "\"";
  }
  if (shown < names.size()) out += fmt::format(" and {} more", names.size() - shown);
  return out + ")";
}

// project:PATH/NAME or group:PATH/NAME; `rest` is the text after "project:" / "group:".
Result<ResolvedToken> resolveByPath(const gitlab::Inventory& inventory, TokenKind kind, const std::string& text,
                                    const std::string& rest) {
  const std::string kindName = gitlab::tokenKindName(kind);
  const auto slash = rest.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
    const char* example = kind == TokenKind::kProject ? "project:sec/app/deploy-token" : "group:sec/deploy-token";
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("\"{}\" is not {}:PATH/NAME (e.g. {})", text, kindName, example));
  }
  // Every watched owner of this kind whose path, then '/', starts `rest` with a name after it;
  // the longest path first.
  std::vector<const gitlab::AccountTokens*> owners;
  for (const auto& entry : inventory.accounts) {
    const std::string& path = entry.account.username;
    if (entry.account.kind == kind && !path.empty() && rest.size() > path.size() + 1 &&
        startsWith(rest, path) && rest[path.size()] == '/') {
      owners.push_back(&entry);
    }
  }
  if (owners.empty()) {
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("{} {} is not watched by patbot: add it to a [[token]] entry or [watch] {}s",
                                   kindName, rest.substr(0, slash), kindName));
  }
  std::stable_sort(owners.begin(), owners.end(), [](const auto* a, const auto* b) {
    return a->account.username.size() > b->account.username.size();
  });
  std::vector<ResolvedToken> matches;
  const gitlab::AccountTokens* matchedOwner = nullptr;
  bool severalOwners = false;
  for (const auto* owner : owners) {
    auto found = named(*owner, rest.substr(owner->account.username.size() + 1));
    if (found.empty()) continue;
    if (matchedOwner && matchedOwner->account.username != owner->account.username) severalOwners = true;
    matchedOwner = owner;
    matches.insert(matches.end(), found.begin(), found.end());
  }
  if (matches.empty()) {
    const auto& longest = *owners.front();
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("{} has no unrevoked token named \"{}\" {}", longest.account.label(),
                                   rest.substr(longest.account.username.size() + 1), namesItHas(longest)));
  }
  if (severalOwners) {
    std::string list;
    for (const auto& m : matches) {
      list += fmt::format("{}id {} ({}, expires {})", list.empty() ? "" : ", ", m.token.id,
                          tokenLabel(m.account, m.token.name), expiry(m.token));
    }
    return Error::make(ErrorKind::kConflict, fmt::format("\"{}\" names {} tokens: {}. Give the id instead.", text,
                                                         matches.size(), list));
  }
  if (matches.size() > 1) {
    return severalNamed(matchedOwner->account.label(), rest.substr(matchedOwner->account.username.size() + 1), matches);
  }
  return matches.front();
}

// ACCOUNT/NAME: a service account's personal token.
Result<ResolvedToken> resolveByAccount(const gitlab::Inventory& inventory, const std::string& text) {
  const auto slash = text.find('/');
  std::string account = text.substr(0, slash);
  std::string name = text.substr(slash + 1);
  std::vector<ResolvedToken> matches;
  bool accountFound = false;
  for (const auto& entry : inventory.accounts) {
    if (entry.account.kind != TokenKind::kPersonal || entry.account.username != account) continue;
    accountFound = true;
    auto found = named(entry, name);
    matches.insert(matches.end(), found.begin(), found.end());
  }
  if (!accountFound) {
    // The text may name a project or group token without its kind: say how to write it.
    const gitlab::TokenOwner* resource = nullptr;
    for (const auto& entry : inventory.accounts) {
      const std::string& path = entry.account.username;
      if (entry.account.kind != TokenKind::kPersonal && !path.empty() && text.size() > path.size() + 1 &&
          startsWith(text, path) && text[path.size()] == '/' &&
          (!resource || path.size() > resource->username.size())) {
        resource = &entry.account;
      }
    }
    std::string hint;
    if (resource) {
      hint = fmt::format(" (for {} write {}:{})", resource->label(), gitlab::tokenKindName(resource->kind), text);
    }
    return Error::make(ErrorKind::kNotFound, fmt::format("no service account is called \"{}\"{}", account, hint));
  }
  if (matches.empty()) {
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("{} has no unrevoked token named \"{}\" (see `/pat status {}`)", account, name, account));
  }
  if (matches.size() > 1) return severalNamed(account, name, matches);
  return matches.front();
}

}  // namespace

Result<ResolvedToken> resolveToken(const gitlab::Inventory& inventory, const std::string& text) {
  if (text.empty()) return Error::make(ErrorKind::kInvalidInput, fmt::format("which token? Give {}", kTokenForms));
  if (auto id = parseId(text)) {
    for (const auto& entry : inventory.accounts) {
      for (const auto& t : entry.tokens) {
        if (t.id == *id) return ResolvedToken{entry.account, t};
      }
    }
    return Error::make(ErrorKind::kNotFound,
                       fmt::format("no token patbot watches has id {} (see `/pat status --all`)", *id));
  }
  for (TokenKind kind : {TokenKind::kProject, TokenKind::kGroup}) {
    const std::string prefix = std::string(gitlab::tokenKindName(kind)) + ":";
    if (startsWith(text, prefix)) return resolveByPath(inventory, kind, text, text.substr(prefix.size()));
  }
  auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("\"{}\" is not a TOKEN: give {} (e.g. deploy-bot/registry)", text, kTokenForms));
  }
  return resolveByAccount(inventory, text);
}

}  // namespace patbot::handlers
