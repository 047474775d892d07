// The text of the GitLab issue the expiry watcher opens for an expiring token: a title that
// names the owner, the token and its id (the watcher finds an open issue by it: its title, and
// "(id N)" in it, GitLab token ids being unique across kinds), and a description with the facts
// and the runbook steps a rotation performs. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gitlab/gitlab_types.h"
#include "handlers/policy.h"

namespace patbot::handlers {

// `text` as one GitLab-markdown (CommonMark) code span, shown verbatim whatever it holds: fenced by
// one backtick more than its longest run of backticks, padded with a space inside when it starts or
// ends with a backtick, CR/LF/tab as spaces (a blank line would end the span). Inside a code span
// GitLab renders no HTML, link, @mention or #reference.
std::string markdownCode(std::string_view text);

// "Service account token expiring: inventory-bot / <name> (id 101)" (as ever, so that issues opened
// before project and group tokens are found again); a project or group token:
// "Access token expiring: project sec/app · <name> (id 7)", "Access token expiring: group sec · <name>
// (id 8)". The kind in the title keeps a project's issue apart from a service account's.
std::string trackingIssueTitle(const gitlab::TokenOwner& owner, const std::string& tokenName, int64_t tokenId);

// Markdown. `entry` is the token's [[token]] entry (null when none). Never a token value. Names,
// keys, paths and scopes are markdownCode spans. A personal token's owner is "- Account: …"; a
// project or group token's "- Project: …" / "- Group: …" (its full path) and "- Role: Maintainer".
std::string trackingIssueDescription(const gitlab::TokenOwner& owner, const gitlab::AccessToken& token, int daysLeft,
                                     const TokenPolicy* entry, const Policy& policy);

}  // namespace patbot::handlers
