#include "handlers/rotation_preflight.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "handlers/token_naming.h"

namespace patbot::handlers {
namespace {

bool isExpired(const gitlab::AccessToken& token, Date today) {
  return token.expiresAt && *token.expiresAt <= today;
}

std::string levelText(const std::optional<int>& level) {
  return level ? gitlab::accessLevelName(*level) : std::string("unknown");
}

// The level GitLab asks of the caller for a resource's access tokens.
int requiredLevel(TokenKind kind) { return kind == TokenKind::kGroup ? 50 : 40; }

Status checkCallerAccess(gitlab::GitLabApi& gitlab, RotationPlan& plan) {
  const auto& owner = plan.account;
  auto access = gitlab.callerAccess(owner);
  if (!access) {
    return Error::make(access.error().kind,
                       fmt::format("cannot tell what patbot's token may do on {}: {}. Nothing was changed.",
                                   owner.label(), access.error().message));
  }
  const int need = requiredLevel(owner.kind);
  const auto& tokenLevel = plan.oldToken.accessLevel;
  if (access->admin) {
    plan.notes.push_back(fmt::format("patbot's token is an administrator: it may rotate this {} token.",
                                     levelText(tokenLevel)));
    return okStatus();
  }
  if (!access->level || *access->level < need) {
    return Error::make(ErrorKind::kForbidden,
                       fmt::format("patbot's token is {} on {}; managing {} access tokens needs {} or higher. "
                                   "Nothing was changed.",
                                   access->level ? gitlab::accessLevelName(*access->level) : "not a member",
                                   owner.label(), gitlab::tokenKindName(owner.kind), gitlab::accessLevelName(need)));
  }
  if (tokenLevel && *tokenLevel > *access->level) {
    return Error::make(ErrorKind::kForbidden,
                       fmt::format("{} is a {} token and patbot's token is only {} on {}: GitLab refuses to rotate or "
                                   "create a token above the caller's own level. Nothing was changed.",
                                   plan.target(), gitlab::accessLevelName(*tokenLevel),
                                   gitlab::accessLevelName(*access->level), owner.label()));
  }
  plan.notes.push_back(fmt::format("patbot's token is {} on {}: it may rotate this {} token.",
                                   gitlab::accessLevelName(*access->level), owner.label(), levelText(tokenLevel)));
  return okStatus();
}

Status checkBotUserTies(gitlab::GitLabApi& gitlab, const RotationPlan& plan) {
  auto ties = gitlab.botUserTies(plan.account, plan.oldToken.userId);
  if (!ties) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("strategy replace gives {} a new bot user, and GitLab deletes the old one (user {}) "
                                   "when its token is revoked; patbot cannot check what is tied to it ({}), so it "
                                   "refuses. Use strategy rotate, which keeps the bot user. Nothing was changed.",
                                   plan.target(), plan.oldToken.userId, ties.error().message));
  }
  if (ties->empty()) return okStatus();
  std::vector<std::string> what;
  for (const auto& t : *ties) what.push_back(t.what);
  return Error::make(ErrorKind::kInvalidInput,
                     fmt::format("strategy replace gives {} a new bot user, and GitLab deletes the old one (user {}) "
                                 "when its token is revoked, with what is tied to it: {}. A new bot user would not "
                                 "have these. Use strategy rotate (keeps the bot user), or remove them first. "
                                 "Nothing was changed.",
                                 plan.target(), plan.oldToken.userId, fmt::join(what, "; ")));
}

}  // namespace

Status preflightStrategy(gitlab::GitLabApi& gitlab, RotationPlan& plan, Date today) {
  const bool resource = plan.account.kind != TokenKind::kPersonal;
  if (plan.strategy == RotationStrategy::kRotate) {
    if (isExpired(plan.oldToken, today)) {
      return Error::make(ErrorKind::kInvalidInput,
                         fmt::format("{} expired on {}, and GitLab cannot rotate an expired token. Replace it instead: "
                                     "`/pat rotate {} --strategy replace` creates a new token{} and delivers it. "
                                     "Nothing was changed.",
                                     plan.target(), formatDate(*plan.oldToken.expiresAt),
                                     tokenArgument(plan.account.kind, plan.account.username, plan.oldToken.name),
                                     resource ? " (with a new bot user)" : ""));
    }
    plan.notes.push_back(
        "Strategy rotate: GitLab's rotate keeps the token's user and its memberships and grants, but the old value "
        "stops working at once, so consumers fail until patbot has delivered the new one (seconds).");
  } else if (resource) {
    plan.notes.push_back(
        "Strategy replace: no downtime (the old token is revoked only after the new one works), but the new token "
        "gets a new bot user; GitLab deletes the old bot user when the old token is revoked.");
  }
  if (!resource) return okStatus();
  if (auto access = checkCallerAccess(gitlab, plan); !access) return access;
  if (plan.strategy == RotationStrategy::kReplace) return checkBotUserTies(gitlab, plan);
  return okStatus();
}

}  // namespace patbot::handlers
