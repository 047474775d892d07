// apps.connections.open (reference/slack-socket-mode.md §1): asks Slack, with the app-level
// token, for the URL of one new Socket Mode connection. Each URL serves one connection.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"
#include "core/secret.h"
#include "http/http_types.h"

namespace patbot::slack {

// Returns the wss:// URL (ws:// only to a loopback host). Errors, each with a sentence for the
// operator that never holds the token or the URL's ticket:
//   kUnauthorized / kForbidden: Slack refused for a reason reconnecting cannot cure
//     (isFatalSocketModeError: invalid_auth, not_authed, account_inactive, ...); `detail` is
//     Slack's error code;
//   kRateLimited: a 429 or ok:false ratelimited, with `retryAfter` from Retry-After (1 s when absent);
//   kUnavailable / kTimeout: Slack or the network failed (5xx, no answer);
//   kProtocol: an answer that is not the documented JSON, or a URL patbot must not connect to.
// Blocks up to `deadline`. Thread-safe when the transport is.
Result<std::string> openSocketModeConnection(http::Transport& transport, const std::string& apiUrl,
                                            const Secret& appToken,
                                            std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace patbot::slack
