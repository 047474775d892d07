#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

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
