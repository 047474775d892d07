// RestGitLabApi's token calls: list, get, create, revoke, rotate, for every kind of owner
// (where each goes: gitlab/token_routes.h; contracts: gitlab/rest_gitlab_api.h).
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gitlab/json_mapping.h"
#include "gitlab/rest_gitlab_api.h"
#include "gitlab/rest_helpers.h"

namespace patbot::gitlab {
namespace {

using namespace rest_detail;

constexpr const char* kMaybeCreated = "the create may or may not have happened: list the account's tokens to find out";
constexpr const char* kMaybeRotated =
    "the rotate may or may not have happened: read the token (GitLab revokes it when it rotates it) and list the "
    "owner's tokens to find its successor; never rotate it again";

std::string tokenText(int64_t tokenId, const TokenOwner& owner) {
  return "token " + std::to_string(tokenId) + " of " + ownerPhrase(owner);
}

// Sent but unanswered, or answered by a failing server: GitLab may have done it. Says so in
// the Error's detail.
void markMaybeDone(Error& e, int requestsSent, const char* maybe) {
  bool maybeDone = requestsSent > 0 && (e.httpStatus == 0 || e.httpStatus >= 500);
  if (maybeDone) e.detail = e.detail.empty() ? maybe : e.detail + "; " + maybe;
}

// What GitLab's 400 to a rotation means, when it is one of the refusals patbot explains
// (reference/gitlab-api.md §2.4, §4; app/services/*/rotate_service.rb):
enum class RotateRefusal {
  kOther,
  kAlreadyRevoked,   // "Token already revoked": rotated (or revoked) before
  kExpired,          // a refusal naming an expired token: only a new token will do
  kNotEligible,      // "Not eligible to rotate token with access level higher than the user" /
                     // "… tokens with permissions not held by the user": the token outranks patbot
};

RotateRefusal rotateRefusal(int status, const std::string& body) {
  if (status != 400) return RotateRefusal::kOther;
  if (bodySays(body, "already revoked")) return RotateRefusal::kAlreadyRevoked;
  if (bodySays(body, "not eligible")) return RotateRefusal::kNotEligible;
  // "expired" but not GitLab's lifetime limit ("Expiration date must be before …"), which keeps
  // its own sentence for latestAcceptedExpiry.
  if (bodySays(body, "expired")) return RotateRefusal::kExpired;
  return RotateRefusal::kOther;
}

}  // namespace

std::optional<Error> RestGitLabApi::belowTokenManagers(const TokenOwner& resource) {
  auto access = callerAccess(resource);
  const int need = resource.kind == TokenKind::kGroup ? 50 : 40;
  if (!access || access->admin || (access->level && *access->level >= need)) return std::nullopt;
  return Error::make(ErrorKind::kForbidden,
                     "patbot's token is " + (access->level ? accessLevelName(*access->level) : std::string("not a member")) +
                         " on " + resource.label() + "; managing " + tokenKindName(resource.kind) +
                         " access tokens needs " + accessLevelName(need) + " or higher (GitLab answered 401 "
                         "Unauthorized while listing them)");
}

Result<std::vector<AccessToken>> RestGitLabApi::listTokensIn(const TokenOwner& account, Operation& op) {
  const TokenRoute r = routes_.list(account);
  Call call;
  call.pathAndQuery = r.path;
  call.route = r.route;
  call.what = "listing the tokens of " + ownerPhrase(account);
  std::vector<AccessToken> tokens;
  auto status = fetchAllPages(call, op, appendingTo(tokens, parseAccessTokens));
  if (!status) {
    // GitLab answers a caller below Maintainer (project) / Owner (group) with a bare 401, which
    // reads as a bad GITLAB_TOKEN: say the level instead when that is why.
    if (status.error().kind == ErrorKind::kUnauthorized && account.kind != TokenKind::kPersonal) {
      if (auto why = belowTokenManagers(account)) return *why;
    }
    return status.error();
  }
  keepOnePerId(tokens);
  return tokens;
}

Result<std::vector<AccessToken>> RestGitLabApi::listTokens(const TokenOwner& account) {
  Operation op = startOperation();
  return listTokensIn(account, op);
}

Result<AccessToken> RestGitLabApi::getToken(const TokenOwner& owner, int64_t tokenId) {
  const std::string what = "reading " + tokenText(tokenId, owner);
  if (owner.kind == TokenKind::kPersonal && options_.mode == Mode::kGroup) {
    Operation op = startOperation();
    auto tokens = listTokensIn(owner, op);
    if (!tokens) return tokens.error();
    for (auto& t : *tokens) {
      if (t.id == tokenId) return std::move(t);
    }
    return Error::make(ErrorKind::kNotFound, "GitLab has no " + tokenText(tokenId, owner),
                       "token " + std::to_string(tokenId) + " not in the list of user " + std::to_string(owner.id));
  }
  const TokenRoute r = routes_.one(owner, tokenId);
  Call call;
  call.pathAndQuery = r.path;
  call.route = r.route;
  call.what = what;
  auto response = executeOnce(call);
  if (!response) return response.error();
  auto token = answerOf(parseAccessToken(response->body), what, call.route, response->status);
  // /personal_access_tokens/:id answers for any user's token (an admin's view): keep to the owner's.
  if (owner.kind == TokenKind::kPersonal && token && token->userId != 0 && token->userId != owner.id) {
    return Error::make(ErrorKind::kNotFound, "GitLab has no " + tokenText(tokenId, owner),
                       "token " + std::to_string(tokenId) + " belongs to user " + std::to_string(token->userId));
  }
  return token;
}

Result<CreatedToken> RestGitLabApi::createToken(const TokenOwner& owner, const TokenSpec& spec) {
  const TokenRoute r = routes_.create(owner);
  Call call;
  call.method = "POST";
  call.pathAndQuery = r.path;
  call.route = r.route;
  call.what = "creating token \"" + spec.name + "\" for " + ownerPhrase(owner);
  nlohmann::json json = toJson(spec);
  if (owner.kind == TokenKind::kPersonal) json.erase("access_level");   // personal tokens have none
  auto body = jsonBody(json, call.what);
  if (!body) return body.error();
  call.body = std::move(body).value();

  Operation op = startOperation();
  auto response = execute(call, op);
  if (!response) {
    Error e = response.error();
    markMaybeDone(e, op.requests.load(), kMaybeCreated);
    return e;
  }
  auto created = parseCreatedToken(response->body);
  wipe(response->body);
  if (!created) {
    Error e = unreadableAnswer(created.error(), call.what, call.route, response->status);
    e.detail += "; GitLab answered " + std::to_string(response->status) + ", so the token was probably created: " +
                kMaybeCreated;
    return e;
  }
  return created;
}

Status RestGitLabApi::revokeToken(const TokenOwner& owner, int64_t tokenId) {
  const TokenRoute r = routes_.one(owner, tokenId);
  Call call;
  call.method = "DELETE";
  call.pathAndQuery = r.path;
  call.route = r.route;
  call.what = "revoking " + tokenText(tokenId, owner);
  auto response = executeOnce(call);
  if (!response) return response.error();
  return okStatus();
}

Result<CreatedToken> RestGitLabApi::rotateToken(const TokenOwner& owner, int64_t tokenId, Date expiresAt) {
  const TokenRoute r = routes_.rotate(owner, tokenId);
  const std::string token = tokenText(tokenId, owner);
  Call call;
  call.method = "POST";
  call.pathAndQuery = r.path;
  call.route = r.route;
  call.what = "rotating " + token;
  call.body = nlohmann::json{{"expires_at", formatDate(expiresAt)}}.dump();
  bool notEligible = false;
  call.refine = [&token, &notEligible](Error& e, int status, const std::string& body) {
    switch (rotateRefusal(status, body)) {
      case RotateRefusal::kAlreadyRevoked:
        e.kind = ErrorKind::kConflict;
        e.message = "GitLab refused to rotate " + token + ": it was already rotated or revoked";
        break;
      case RotateRefusal::kExpired:
        e.kind = ErrorKind::kInvalidInput;
        e.message = "GitLab cannot rotate " + token + " because it has expired: a new token must be created instead "
                    "(replace)";
        break;
      case RotateRefusal::kNotEligible:
        e.kind = ErrorKind::kForbidden;
        e.message = "GitLab refused to rotate " + token + ": its access level is higher than patbot's";
        notEligible = true;
        break;
      case RotateRefusal::kOther:
        break;
    }
  };

  Operation op = startOperation();
  auto response = execute(call, op);
  if (!response) {
    Error e = response.error();
    markMaybeDone(e, op.requests.load(), kMaybeRotated);
    if (notEligible && e.kind == ErrorKind::kForbidden) e.message += levelsOf(owner, tokenId);
    return e;
  }
  auto rotated = parseCreatedToken(response->body);
  wipe(response->body);
  if (!rotated) {
    Error e = unreadableAnswer(rotated.error(), call.what, call.route, response->status);
    e.detail += "; GitLab answered " + std::to_string(response->status) + ", so the token was probably rotated: " +
                kMaybeRotated;
    return e;
  }
  return rotated;
}

std::string RestGitLabApi::levelsOf(const TokenOwner& owner, int64_t tokenId) {
  if (owner.kind == TokenKind::kPersonal) return "";
  std::optional<int> tokenLevel;
  if (auto t = getToken(owner, tokenId); t && t->accessLevel) tokenLevel = t->accessLevel;
  std::optional<int> ours;
  if (auto access = callerAccess(owner); access && access->level) ours = access->level;
  if (tokenLevel && ours) {
    return " (the token is " + accessLevelName(*tokenLevel) + ", patbot " + accessLevelName(*ours) + ")";
  }
  if (tokenLevel) return " (the token is " + accessLevelName(*tokenLevel) + ")";
  if (ours) return " (patbot is " + accessLevelName(*ours) + ")";
  return "";
}

}  // namespace patbot::gitlab
