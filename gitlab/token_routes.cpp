#include "gitlab/token_routes.h"

#include "http/client.h"

namespace patbot::gitlab {
namespace {

// "/projects/42/access_tokens" and its template, for a project or group owner.
TokenRoute resourceTokens(const TokenOwner& owner) {
  const bool group = owner.kind == TokenKind::kGroup;
  return {std::string(group ? "/groups/" : "/projects/") + std::to_string(owner.id) + "/access_tokens",
          group ? "/groups/:id/access_tokens" : "/projects/:id/access_tokens"};
}

TokenRoute groupServiceAccountTokens(const std::string& group, const TokenOwner& owner) {
  return {"/groups/" + group + "/service_accounts/" + std::to_string(owner.id) + "/personal_access_tokens",
          "/groups/:id/service_accounts/:user_id/personal_access_tokens"};
}

TokenRoute withTokenId(TokenRoute r, int64_t tokenId) {
  r.path += "/" + std::to_string(tokenId);
  r.route += "/:token_id";
  return r;
}

}  // namespace

TokenRoutes::TokenRoutes(Mode mode, const std::string& group) : mode_(mode), group_(http::urlEncode(group)) {}

TokenRoute TokenRoutes::list(const TokenOwner& owner) const {
  if (owner.kind != TokenKind::kPersonal) return resourceTokens(owner);
  if (mode_ == Mode::kGroup) return groupServiceAccountTokens(group_, owner);
  return {"/personal_access_tokens?user_id=" + std::to_string(owner.id), "/personal_access_tokens"};
}

TokenRoute TokenRoutes::one(const TokenOwner& owner, int64_t tokenId) const {
  if (owner.kind != TokenKind::kPersonal) return withTokenId(resourceTokens(owner), tokenId);
  if (mode_ == Mode::kGroup) return withTokenId(groupServiceAccountTokens(group_, owner), tokenId);
  return {"/personal_access_tokens/" + std::to_string(tokenId), "/personal_access_tokens/:id"};
}

TokenRoute TokenRoutes::create(const TokenOwner& owner) const {
  if (owner.kind != TokenKind::kPersonal) return resourceTokens(owner);
  if (mode_ == Mode::kGroup) return groupServiceAccountTokens(group_, owner);
  return {"/users/" + std::to_string(owner.id) + "/personal_access_tokens", "/users/:user_id/personal_access_tokens"};
}

TokenRoute TokenRoutes::rotate(const TokenOwner& owner, int64_t tokenId) const {
  TokenRoute r = one(owner, tokenId);
  r.path += "/rotate";
  r.route += "/rotate";
  return r;
}

std::string ownerPhrase(const TokenOwner& owner) {
  return owner.kind == TokenKind::kPersonal ? "service account " + owner.username : owner.label();
}

}  // namespace patbot::gitlab
