// The three kinds of GitLab token patbot keeps alive (reference/gitlab-api.md §2, §4). Plain data,
// shared by the policy file and the GitLab client (gitlab::TokenKind names the same type).
#pragma once

#include <optional>
#include <string_view>

namespace patbot {

enum class TokenKind {
  kPersonal,   // a service account's personal access token
  kProject,    // a project access token (its own bot user, a member of the project)
  kGroup,      // a group access token (its own bot user, a member of the group)
};

// "personal", "project", "group"
inline const char* tokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kPersonal: return "personal";
    case TokenKind::kProject: return "project";
    case TokenKind::kGroup: return "group";
  }
  return "personal";
}

inline std::optional<TokenKind> parseTokenKind(std::string_view text) {
  for (auto kind : {TokenKind::kPersonal, TokenKind::kProject, TokenKind::kGroup}) {
    if (text == tokenKindName(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace patbot
