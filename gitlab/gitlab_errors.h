// Turning GitLab's error answers (reference/gitlab-api.md §1.4, §1.5) and transport failures into
// Error values: `message` is one plain sentence for a Slack user, `detail` is for operators' logs.
// Neither ever contains a request header value or a token value; bodies in `detail` are
// truncated and any "glpat-..." string in them is redacted.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/time_format.h"
#include "gitlab/gitlab_types.h"
#include "http/http_types.h"

namespace patbot::gitlab {

// Whose token authenticated the request, which decides the advice in 401/403 sentences.
enum class TokenRole {
  kBot,     // GITLAB_TOKEN: advice names the variable
  kGiven,   // a token under test (rotation's verify step): no advice about GITLAB_TOKEN
};

// Maps a non-2xx answer to an Error with kind, sentence, httpStatus and (for 429) retryAfter.
// `what` completes "while ...", e.g. "listing service accounts". Unparseable bodies still map
// by status. `mode`, when known, narrows the advice of a plain 401 or 403 to patbot's own token:
// in instance mode it names the admin_mode scope, without which an administrator's token acts
// as a non-admin's while GitLab's Admin Mode is on (reference/gitlab-api.md §1.2).
Error errorFromResponse(int status, const http::Headers& headers, const std::string& body,
                        const std::string& what, TokenRole role = TokenRole::kBot,
                        std::optional<Mode> mode = std::nullopt);

// Maps a transport failure (no complete answer) to "GitLab at <host> could not be reached while
// <what>: ..."; the kind (kTimeout, kUnavailable, kProtocol) is kept.
Error errorFromTransport(const Error& transportError, const std::string& host, const std::string& what);

// Retry-After in whole seconds (the HTTP-date form is not supported); nullopt when absent or
// unparsable. Header names are matched case-insensitively.
std::optional<std::chrono::seconds> retryAfterSeconds(const http::Headers& headers);

// The instance's latest allowed expiry from a refused create or rotate: the date in GitLab's
// "Expiration date must be before YYYY-MM-DD" (422 {"message":"..."} from a create, 400
// "400 Bad request - ..." from a rotate), which errorFromResponse keeps in Error::message.
// nullopt when the error is not that one. Despite "before", the date itself is allowed: GitLab
// refuses only expires_at > that date (model validation, from reading the code; the fake agrees).
std::optional<Date> maxExpiryFromError(const Error& error);

// The lifetime patbot falls back to when GitLab refuses an expiry without saying which one it
// would take ("Expiration date is invalid") and today + 365 was refused too or asked already: a
// month fits the usual lifetime policies (30, 60, 90 days) of the instances that answer that way.
inline constexpr int kFallbackLifetimeDays = 30;

// The date to retry a refused create or rotate with, after GitLab refused the expiry `refused`:
// the latest date the answer says the instance accepts, strictly before `refused` and after
// `today`. nullopt when the error is not an expiry refusal of a 400 or 422 answer (anything else
// may have created the token, or will not pass with another date) or no such date is left.
// Called again with the date it returned as `refused`, it returns an earlier date or nullopt, so a
// caller retrying on it ends; one or two retries are enough for every answer below.
// The answers, by GitLab version (GitLab source, app/models/personal_access_token.rb and
// ee/app/models/ee/personal_access_token.rb; reference/gitlab-api.md §2.6, §2.8):
// - "Expiration date must be before D" (16.0 on; EE lifetime policy in newer versions): the model
//   refuses only expires_at > D, so D itself is returned.
// - "Expiration date is invalid" (EE lifetime policy up to 14.x: errors.add(:expires_at, :invalid)
//   when expires_at > today + max_personal_access_token_lifetime, a setting of 1-365 days): no
//   date is given, so today + 365, else today + kFallbackLifetimeDays. Also the validation-hash
//   form "expires_at is invalid"; Grape's {"error":"expires_at is invalid"} for a malformed date
//   cannot come back for the well-formed dates patbot sends.
// - "... expire in N days" / "... expire within N days" ("in less than N days": N - 1), as other
//   versions and front proxies word the limit: today + N (if today + N was the date refused,
//   GitLab's day is behind patbot's: the day before it).
std::optional<Date> latestAcceptedExpiry(const Error& error, Date today, Date refused);

// "Unauthorized" for 401, "Internal Server Error" for 500 ... ("" for codes it does not know).
const char* reasonPhrase(int status);

}  // namespace patbot::gitlab
