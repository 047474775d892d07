// How patbot names a token's owner and the token itself in text people read (status rows, the
// digest, warnings, tracking issues) and in the TOKEN argument that names it back (SPEC §4).
// Personal tokens keep the names they always had; project and group tokens carry their kind, so
// a project and a service account (or group) whose names look alike are never confused.
// Plain text: escaping for Slack or markdown is the caller's.
#pragma once

#include <string>
#include <string_view>

#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

// The owner: "inventory-bot" (a service account), "project sec/app", "group sec".
// `username` is the service account's username, or the project's / group's full path.
std::string ownerLabel(gitlab::TokenKind kind, std::string_view username);

// The token with its owner on one line: "inventory-bot / registry" (personal, as ever),
// "project sec/app · deploy-token", "group sec · deploy-token".
std::string tokenLabel(gitlab::TokenKind kind, std::string_view username, std::string_view tokenName);
std::string tokenLabel(const gitlab::TokenOwner& owner, std::string_view tokenName);

// The TOKEN text that names it by name: "inventory-bot/registry", "project:sec/app/deploy-token",
// "group:sec/deploy-token" (handlers/token_resolver.h reads these).
std::string tokenArgument(gitlab::TokenKind kind, std::string_view username, std::string_view tokenName);

}  // namespace patbot::handlers
