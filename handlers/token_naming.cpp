#include "handlers/token_naming.h"

namespace patbot::handlers {

std::string ownerLabel(gitlab::TokenKind kind, std::string_view username) {
  if (kind == gitlab::TokenKind::kPersonal) return std::string(username);
  return std::string(gitlab::tokenKindName(kind)) + " " + std::string(username);
}

std::string tokenLabel(gitlab::TokenKind kind, std::string_view username, std::string_view tokenName) {
  const char* separator = kind == gitlab::TokenKind::kPersonal ? " / " : " \xC2\xB7 ";   // " · "
  return ownerLabel(kind, username) + separator + std::string(tokenName);
}

std::string tokenLabel(const gitlab::TokenOwner& owner, std::string_view tokenName) {
  return tokenLabel(owner.kind, owner.username, tokenName);
}

std::string tokenArgument(gitlab::TokenKind kind, std::string_view username, std::string_view tokenName) {
  std::string prefix = kind == gitlab::TokenKind::kPersonal ? "" : std::string(gitlab::tokenKindName(kind)) + ":";
  return prefix + std::string(username) + "/" + std::string(tokenName);
}

}  // namespace patbot::handlers
