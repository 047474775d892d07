#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

const char* tokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kPersonal: return "personal";
    case TokenKind::kProject: return "project";
    case TokenKind::kGroup: return "group";
  }
  return "personal";
}

std::optional<TokenKind> parseTokenKind(std::string_view text) {
  if (text == "personal") return TokenKind::kPersonal;
  if (text == "project") return TokenKind::kProject;
  if (text == "group") return TokenKind::kGroup;
  return std::nullopt;
}

std::string TokenOwner::label() const {
  if (kind == TokenKind::kPersonal) return username;
  return std::string(tokenKindName(kind)) + " " + username;
}

std::string accessLevelName(int level) {
  switch (level) {
    case 10: return "Guest";
    case 15: return "Planner";
    case 20: return "Reporter";
    case 30: return "Developer";
    case 40: return "Maintainer";
    case 50: return "Owner";
    default: return "level " + std::to_string(level);
  }
}

}  // namespace patbot::gitlab
