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
#include "http/http_types.h"

namespace patbot::gitlab {

// Whose token authenticated the request, which decides the advice in 401/403 sentences.
enum class TokenRole {
  kBot,     // GITLAB_TOKEN: advice names the variable
  kGiven,   // a token under test (rotation's verify step): no advice about GITLAB_TOKEN
};

// Maps a non-2xx answer to an Error with kind, sentence, httpStatus and (for 429) retryAfter.
// `what` completes "while ...", e.g. "listing service accounts". Unparseable bodies still map
// by status.
Error errorFromResponse(int status, const http::Headers& headers, const std::string& body,
                        const std::string& what, TokenRole role = TokenRole::kBot);

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

// "Unauthorized" for 401, "Internal Server Error" for 500 ... ("" for codes it does not know).
const char* reasonPhrase(int status);

}  // namespace patbot::gitlab
