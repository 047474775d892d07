// Resolves the TOKEN argument of SPEC §4 against an inventory: a numeric token id, or
// ACCOUNT/NAME (service-account username and token name; the name may contain '/' and spaces).
// A name matches unrevoked tokens (active or expired); several matches are an error that lists
// them with their ids so the user can pick one.
#pragma once

#include <string>

#include "core/result.h"
#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

struct ResolvedToken {
  gitlab::TokenOwner account;
  gitlab::AccessToken token;
};

Result<ResolvedToken> resolveToken(const gitlab::Inventory& inventory, const std::string& text);

}  // namespace patbot::handlers
