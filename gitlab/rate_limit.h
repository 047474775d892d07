// How patbot waits after GitLab answers 429 (reference/gitlab-api.md §1.7), and the sentence it
// gives when it stops. GitLab sends 429 from two limiters: Rack::Attack with `Retry-After`
// (seconds) and `RateLimit-Reset` (a Unix time), and the application limits, which send neither.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/http_types.h"

namespace patbot::gitlab {

// The longest single wait after a 429 (Retry-After and backoff; a RateLimit-Reset is bounded by
// the operation's deadline only).
inline constexpr std::chrono::seconds kMaxRateLimitWait{60};
// The first backoff step for a 429 that says nothing about when to come back.
inline constexpr std::chrono::seconds kFirstRateLimitBackoff{1};

// RateLimit-Reset as a time point (the header is Unix seconds); nullopt when absent or not a
// plain non-negative integer. Header names are matched case-insensitively.
std::optional<TimePoint> rateLimitResetAt(const http::Headers& headers);

struct RateLimitWait {
  enum class Source { kRetryAfter, kReset, kBackoff };
  Source source = Source::kBackoff;
  std::chrono::milliseconds wait{0};
  std::optional<TimePoint> resetAt;   // set for kReset
};

// The waits of one operation's successive 429s. Not thread-safe: one per execute() call.
class RateLimitBackoff {
 public:
  // The wait after a 429 carrying `headers`, received at wall time `now`:
  // - Retry-After above 0: that many seconds, at most kMaxRateLimitWait;
  // - else RateLimit-Reset when it lies ahead of `now`: until then (not capped here);
  // - else exponential backoff from kFirstRateLimitBackoff, doubling with each such 429, at most
  //   kMaxRateLimitWait, with jitter: a uniform wait in [step/2, step].
  RateLimitWait next(const http::Headers& headers, TimePoint now);

 private:
  std::chrono::milliseconds step_{kFirstRateLimitBackoff};
};

// kRateLimited, httpStatus 429: "GitLab rate-limited patbot (429 Too Many Requests) while <what>;
// patbot tried for T of the D seconds it allows a call: try again ..." (or, when the first 429
// already asked for more than the time left, that GitLab asked for a longer wait than D seconds).
// `tried` is the time since the
// operation started, `deadline` the operation's whole budget; `last` is the 429's Error (its
// detail is kept) and `lastWait` what patbot would have waited next. Never contains a secret.
Error rateLimitGiveUp(const Error& last, const std::string& what, std::chrono::milliseconds tried,
                      std::chrono::milliseconds deadline, const RateLimitWait& lastWait, int rateLimitedAnswers);

}  // namespace patbot::gitlab
