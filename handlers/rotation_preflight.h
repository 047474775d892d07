// The checks that choosing a strategy needs before anything changes (SPEC §5, issue 16).
#pragma once

#include "core/result.h"
#include "core/time_format.h"
#include "gitlab/gitlab_api.h"
#include "handlers/rotation_engine.h"

namespace patbot::handlers {

// For plan.strategy on plan.account's kind, with no GitLab write:
//   - kRotate: GitLab cannot rotate an expired token (the answer says to replace it);
//   - a project or group token: patbot's own token must be Maintainer on the project / Owner on
//     the group (or an administrator) and at least the token's own access level;
//   - kReplace of a project or group token: nothing may be tied to the old bot user that a new
//     bot user would not have (GitLab deletes the old one when its token is revoked); when
//     patbot cannot look, replace is refused too.
// Adds to plan.notes the trade-off of the strategy and what patbot's token may do there. An Error
// (kInvalidInput, kForbidden) is a sentence for the requester: nothing was changed.
Status preflightStrategy(gitlab::GitLabApi& gitlab, RotationPlan& plan, Date today);

}  // namespace patbot::handlers
