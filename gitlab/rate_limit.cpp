#include "gitlab/rate_limit.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

#include "gitlab/gitlab_errors.h"

namespace patbot::gitlab {
namespace {

using std::chrono::milliseconds;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

milliseconds jittered(milliseconds step) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const long long half = step.count() / 2;
  std::uniform_int_distribution<long long> dist(half, std::max(half, static_cast<long long>(step.count())));
  return milliseconds(dist(rng));
}

long long roundedSeconds(milliseconds d) { return std::max<long long>(0, (d.count() + 500) / 1000); }
long long ceilSeconds(milliseconds d) { return std::max<long long>(1, (d.count() + 999) / 1000); }

// "14:15:17 UTC".
std::string clockTime(TimePoint t) {
  const long long s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  const long long day = ((s % 86400) + 86400) % 86400;
  char out[16];
  std::snprintf(out, sizeof out, "%02lld:%02lld:%02lld", day / 3600, day / 60 % 60, day % 60);
  return std::string(out) + " UTC";
}

}  // namespace

std::optional<TimePoint> rateLimitResetAt(const http::Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (lower(name) != "ratelimit-reset") continue;
    size_t b = 0, e = value.size();
    while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
    // Up to 11 digits: Unix seconds until the year 5138, well inside TimePoint's range.
    if (b == e || e - b > 11) return std::nullopt;
    long long seconds = 0;
    for (size_t i = b; i < e; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(value[i]))) return std::nullopt;
      seconds = seconds * 10 + (value[i] - '0');
    }
    return TimePoint(std::chrono::seconds(seconds));
  }
  return std::nullopt;
}

RateLimitWait RateLimitBackoff::next(const http::Headers& headers, TimePoint now) {
  RateLimitWait out;
  if (auto after = retryAfterSeconds(headers); after && *after > std::chrono::seconds::zero()) {
    out.source = RateLimitWait::Source::kRetryAfter;
    out.wait = std::min<milliseconds>(*after, kMaxRateLimitWait);
    return out;
  }
  if (auto reset = rateLimitResetAt(headers); reset && *reset > now) {
    out.source = RateLimitWait::Source::kReset;
    out.resetAt = *reset;
    out.wait = std::chrono::ceil<milliseconds>(*reset - now);
    return out;
  }
  out.source = RateLimitWait::Source::kBackoff;
  out.wait = jittered(step_);
  step_ = std::min<milliseconds>(step_ * 2, kMaxRateLimitWait);
  return out;
}

Error rateLimitGiveUp(const Error& last, const std::string& what, milliseconds tried, milliseconds deadline,
                      const RateLimitWait& lastWait, int rateLimitedAnswers) {
  std::string again;
  switch (lastWait.source) {
    case RateLimitWait::Source::kRetryAfter: {
      auto asked = last.retryAfter > std::chrono::seconds::zero()
                       ? last.retryAfter
                       : std::chrono::duration_cast<std::chrono::seconds>(lastWait.wait);
      again = "try again in " + std::to_string(asked.count()) + " seconds";
      break;
    }
    case RateLimitWait::Source::kReset:
      again = "try again after " + clockTime(*lastWait.resetAt);
      break;
    case RateLimitWait::Source::kBackoff:
      again = "try again in a few minutes";
      break;
  }
  const std::string budget = std::to_string(ceilSeconds(deadline));
  std::string message = "GitLab rate-limited patbot (429 Too Many Requests) while " + what;
  if (rateLimitedAnswers <= 1 && lastWait.source != RateLimitWait::Source::kBackoff) {
    message += " and asked for a longer wait than the " + budget + " seconds patbot allows a call: " + again;
  } else {
    message += "; patbot tried for " + std::to_string(roundedSeconds(tried)) + " of the " + budget +
               " seconds it allows a call: " + again;
  }
  Error e = Error::make(ErrorKind::kRateLimited, std::move(message),
                        last.detail + "; " + std::to_string(rateLimitedAnswers) + " answer(s) 429 in " +
                            std::to_string(tried.count()) + " ms");
  e.httpStatus = 429;
  e.retryAfter = last.retryAfter;
  return e;
}

}  // namespace patbot::gitlab
