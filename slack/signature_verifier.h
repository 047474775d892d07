// SignatureVerifier: checks Slack's request signature (v0 HMAC-SHA256) and replay window on the
// raw request bytes, before anything of the body is parsed (reference/slack-api.md §2).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/secret.h"
#include "http/http_types.h"

namespace patbot::slack {

enum class SignatureFailure {
  kMissingTimestamp,    // no x-slack-request-timestamp header
  kMalformedTimestamp,  // not ASCII digits only
  kStale,               // more than `window` in the past
  kFuture,              // more than `window` in the future
  kMissingSignature,    // no x-slack-signature header
  kMalformedSignature,  // not "v0=" + 64 lower-case hex digits
  kMismatch,            // well-formed but not the HMAC of this body with our secret
};

// "missing_timestamp", "malformed_timestamp", "stale", "future", "missing_signature",
// "malformed_signature", "mismatch": safe to log and to use as a metric label.
const char* signatureFailureName(SignatureFailure failure);

// "v0=" + lower-case hex HMAC-SHA256 of "v0:" + timestamp + ":" + body, keyed with the secret
// string as-is.
std::string computeSignature(const Secret& secret, std::string_view timestamp,
                             std::string_view body);

// Immutable after construction; verify() is thread-safe. The clock must outlive the verifier.
class SignatureVerifier {
 public:
  SignatureVerifier(Secret signingSecret, const Clock& clock,
                    std::chrono::seconds window = std::chrono::seconds(300));

  // nullopt when the request is authentic and fresh. Headers must have lower-cased names.
  // Checks, in order: timestamp present and well-formed, signature present and well-formed,
  // |now - timestamp| <= window, constant-time HMAC comparison.
  std::optional<SignatureFailure> verify(const http::Headers& lowerCasedHeaders,
                                         std::string_view rawBody) const;

 private:
  Secret secret_;
  const Clock& clock_;
  std::chrono::seconds window_;
};

}  // namespace patbot::slack
