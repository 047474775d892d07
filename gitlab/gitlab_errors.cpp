#include "gitlab/gitlab_errors.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace patbot::gitlab {
namespace {

using nlohmann::json;

constexpr size_t kMaxReason = 300;
constexpr size_t kMaxDetailBody = 500;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string clip(std::string s, size_t max) {
  if (s.size() > max) {
    s.resize(max);
    s += "...";
  }
  return s;
}

// Replaces every glpat-<token chars> with glpat-[redacted].
std::string redactTokens(std::string s) {
  static constexpr std::string_view kPrefix = "glpat-";
  size_t pos = 0;
  while ((pos = s.find(kPrefix, pos)) != std::string::npos) {
    size_t start = pos + kPrefix.size();
    size_t end = start;
    while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '-' ||
                              s[end] == '_' || s[end] == '.')) {
      ++end;
    }
    s.replace(start, end - start, "[redacted]");
    pos = start + 10;
  }
  return s;
}

// What GitLab said, whichever of the §1.4 shapes it used.
struct Body {
  bool json = false;
  std::string message;          // {"message":"..."}
  std::string validation;       // {"message":{"attr":["msg"]}} flattened "attr msg; attr msg"
  std::string limiterError;     // {"message":{"error":"..."}}
  std::string error;            // {"error":"..."} (Grape or OAuth)
  std::string errorDescription; // OAuth error_description
  std::string scope;            // OAuth insufficient_scope "scope"
};

std::string flattenValidation(const json& object) {
  std::string out;
  auto add = [&out](const std::string& attr, const std::string& msg) {
    if (!out.empty()) out += "; ";
    out += (attr == "base" || attr.empty()) ? msg : attr + " " + msg;
  };
  for (const auto& [attr, v] : object.items()) {
    if (v.is_array()) {
      for (const auto& m : v) {
        if (m.is_string()) add(attr, m.get<std::string>());
      }
    } else if (v.is_string()) {
      add(attr, v.get<std::string>());
    }
  }
  return out;
}

Body readBody(const std::string& text) {
  Body b;
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded() || !v.is_object()) return b;
  b.json = true;
  auto str = [&v](const char* key) -> std::string {
    auto it = v.find(key);
    return (it != v.end() && it->is_string()) ? it->get<std::string>() : std::string();
  };
  if (auto it = v.find("message"); it != v.end()) {
    if (it->is_string()) {
      b.message = it->get<std::string>();
    } else if (it->is_object()) {
      auto e = it->find("error");
      if (e != it->end() && e->is_string() && it->size() == 1) {
        b.limiterError = e->get<std::string>();
      } else {
        b.validation = flattenValidation(*it);
      }
    }
  }
  b.error = str("error");
  b.errorDescription = str("error_description");
  b.scope = str("scope");
  return b;
}

// The reason GitLab appended to a "<status> <phrase>" message: "400 Bad request - Token already
// revoked" -> "Token already revoked", "409 Conflict: Resource lock" -> "Resource lock",
// "400 Bad request" -> "", and a message without the status prefix is the reason itself.
std::string reasonIn(const std::string& message, int status) {
  std::string m = trim(message);
  std::string code = std::to_string(status);
  if (m.rfind(code, 0) != 0) return clip(m, kMaxReason);
  if (auto dash = m.find(" - "); dash != std::string::npos) return clip(trim(m.substr(dash + 3)), kMaxReason);
  if (auto colon = m.find(": "); colon != std::string::npos) return clip(trim(m.substr(colon + 2)), kMaxReason);
  return "";
}

// "404 Group Not Found" -> "group"; "" for the bare "404 Not Found" / "404 Not found".
std::string missingThing(const std::string& message) {
  std::string m = trim(message);
  if (m.rfind("404", 0) != 0) return "";
  std::string rest = trim(m.substr(3));
  std::string l = lower(rest);
  static constexpr std::string_view kSuffix = "not found";
  if (l.size() < kSuffix.size() || l.compare(l.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return "";
  }
  return clip(lower(trim(rest.substr(0, rest.size() - kSuffix.size()))), 80);
}

std::string statusText(int status) {
  std::string phrase = reasonPhrase(status);
  return phrase.empty() ? "HTTP " + std::to_string(status) : std::to_string(status) + " " + phrase;
}

std::string withReason(std::string sentence, const std::string& reason) {
  return reason.empty() ? sentence : sentence + ": " + reason;
}

Error make(ErrorKind kind, std::string message, int status, const std::string& body,
           const std::string& what) {
  std::string detail = "HTTP " + std::to_string(status) + " while " + what;
  std::string shown = trim(body);
  if (!shown.empty()) detail += "; body: " + redactTokens(clip(shown, kMaxDetailBody));
  Error e = Error::make(kind, redactTokens(std::move(message)), std::move(detail));
  e.httpStatus = status;
  return e;
}

}  // namespace

const char* reasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::optional<std::chrono::seconds> retryAfterSeconds(const http::Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (lower(name) != "retry-after") continue;
    std::string v = trim(value);
    if (v.empty() || v.size() > 9 || !std::all_of(v.begin(), v.end(), [](unsigned char c) {
          return std::isdigit(c) != 0;
        })) {
      return std::nullopt;
    }
    return std::chrono::seconds(std::stol(v));
  }
  return std::nullopt;
}

Error errorFromResponse(int status, const http::Headers& headers, const std::string& body,
                        const std::string& what, TokenRole role, std::optional<Mode> mode) {
  const Body b = readBody(body);
  const std::string st = "(" + statusText(status) + ")";
  const std::string during = " while " + what;
  const bool bot = role == TokenRole::kBot;
  // Admin Mode: an administrator's token without admin_mode gets 401 and 403 as a non-admin's.
  const bool instanceBot = bot && mode == Mode::kInstance;

  if (status == 401) {
    std::string description = lower(b.errorDescription);
    std::string advice = bot ? ": replace GITLAB_TOKEN" : "";
    if (b.error == "invalid_token" && description.find("revoked") != std::string::npos) {
      return make(ErrorKind::kUnauthorized, "GitLab says the token is revoked " + st + during + advice,
                  status, body, what);
    }
    if (b.error == "invalid_token" && description.find("expired") != std::string::npos) {
      return make(ErrorKind::kUnauthorized, "GitLab says the token has expired " + st + during + advice,
                  status, body, what);
    }
    std::string who = bot ? "patbot's token" : "the token";
    std::string check = instanceBot ? ": check GITLAB_TOKEN; with GitLab's Admin Mode on it also needs the admin_mode scope"
                        : bot       ? ": check GITLAB_TOKEN"
                                    : "";
    return make(ErrorKind::kUnauthorized, "GitLab rejected " + who + " " + st + during + check, status, body, what);
  }

  if (status == 403) {
    if (b.error == "insufficient_scope") {
      std::string scopes;
      for (char c : trim(b.scope)) scopes += (c == ' ') ? std::string(", ") : std::string(1, c);
      std::string needs = scopes.empty() ? "a broader scope" : "one of: " + clip(scopes, 120);
      return make(ErrorKind::kForbidden,
                  "GitLab refused the request " + st + during + ": the token lacks the scope it needs (" + needs + ")",
                  status, body, what);
    }
    std::string reason = reasonIn(b.message, status);
    if (!reason.empty()) {
      return make(ErrorKind::kForbidden, "GitLab refused the request " + st + during + ": " + reason, status,
                  body, what);
    }
    if (instanceBot) {
      return make(ErrorKind::kForbidden,
                  "GitLab refused the request " + st + during +
                      ": the token lacks permission — instance mode needs an admin token with api scope, and "
                      "with GitLab's Admin Mode on also the admin_mode scope",
                  status, body, what);
    }
    return make(ErrorKind::kForbidden,
                "GitLab refused the request " + st + during +
                    ": the token lacks permission — instance mode needs an admin token with api scope, "
                    "group mode an Owner of the group",
                status, body, what);
  }

  if (status == 404) {
    if (!b.message.empty()) {
      std::string thing = missingThing(b.message);
      if (!thing.empty()) {
        std::string advice = thing == "group" && bot ? ": check GITLAB_GROUP" : "";
        return make(ErrorKind::kNotFound,
                    "GitLab could not find the " + thing + " (" + clip(trim(b.message), 100) + ")" + during + advice,
                    status, body, what);
      }
    } else if (b.error == "404 Not Found") {
      return make(ErrorKind::kNotFound,
                  "GitLab does not know this API path " + st + during +
                      ": check GITLAB_URL and that GitLab is 17.1 or newer (17.11 for group service-account tokens)",
                  status, body, what);
    }
    return make(ErrorKind::kNotFound, "GitLab could not find what patbot asked for " + st + during, status,
                body, what);
  }

  if (status == 429) {
    auto after = retryAfterSeconds(headers);
    std::string when = after ? "try again in " + std::to_string(after->count()) + " seconds" : "try again later";
    std::string said = !b.limiterError.empty() ? b.limiterError : std::string();
    Error e = make(ErrorKind::kRateLimited, "GitLab is limiting how often patbot may call it " + st + during +
                                                ": " + when,
                   status, body, what);
    if (!said.empty()) e.detail += "; GitLab said: " + redactTokens(clip(said, kMaxReason));
    if (after) e.retryAfter = *after;
    return e;
  }

  if (status >= 500 && status <= 599) {
    return make(ErrorKind::kUnavailable, "GitLab is having trouble " + st + during, status, body, what);
  }

  if (status >= 400 && status <= 499) {
    std::string reason;
    if (!b.validation.empty()) {
      reason = clip(b.validation, kMaxReason);
    } else if (!b.message.empty()) {
      reason = reasonIn(b.message, status);
    } else if (!b.error.empty()) {
      reason = clip(trim(b.error), kMaxReason);
      if (!b.errorDescription.empty()) reason += " (" + clip(trim(b.errorDescription), kMaxReason) + ")";
    }
    switch (status) {
      case 409:
        return make(ErrorKind::kConflict, withReason("GitLab reported a conflict " + st + during, reason), status,
                    body, what);
      case 422:
        return make(ErrorKind::kInvalidInput,
                    withReason("GitLab could not process the request " + st + during, reason), status, body,
                    what);
      case 405:
        return make(ErrorKind::kProtocol, withReason("GitLab does not allow this request " + st + during, reason),
                    status, body, what);
      default:
        return make(ErrorKind::kInvalidInput, withReason("GitLab rejected the request " + st + during, reason),
                    status, body, what);
    }
  }

  return make(ErrorKind::kProtocol,
              "GitLab sent an unexpected answer " + st + during + ": check GITLAB_URL", status, body, what);
}

std::optional<Date> maxExpiryFromError(const Error& error) {
  static constexpr std::string_view kPhrase = "expiration date must be before ";
  for (const std::string* text : {&error.message, &error.detail}) {
    const std::string l = lower(*text);
    size_t pos = l.find(kPhrase);
    if (pos == std::string::npos) continue;
    size_t start = pos + kPhrase.size();
    if (start + 10 > text->size()) continue;
    if (auto d = parseDate(std::string_view(*text).substr(start, 10))) return d;
  }
  return std::nullopt;
}

namespace {

// N of "expir... in N days" / "expir... within N days" in lower-cased `l` (N - 1 for "in less than
// N days"); nullopt when there is none. Only looks a short way past each "expir".
std::optional<int> lifetimeDaysIn(const std::string& l) {
  static constexpr size_t kReach = 80;
  for (size_t at = l.find("expir"); at != std::string::npos; at = l.find("expir", at + 1)) {
    const std::string window = l.substr(at, kReach);
    for (std::string_view keyword : {std::string_view(" in "), std::string_view(" within ")}) {
      for (size_t k = window.find(keyword); k != std::string::npos; k = window.find(keyword, k + 1)) {
        size_t p = k + keyword.size();
        bool lessThan = false;
        for (std::string_view q : {std::string_view("less than "), std::string_view("at most "),
                                   std::string_view("no more than ")}) {
          if (window.compare(p, q.size(), q) == 0) {
            lessThan = q.front() == 'l';
            p += q.size();
            break;
          }
        }
        size_t digits = 0;
        int n = 0;
        while (p + digits < window.size() && digits < 5 && std::isdigit(static_cast<unsigned char>(window[p + digits]))) {
          n = n * 10 + (window[p + digits] - '0');
          ++digits;
        }
        if (digits == 0 || window.compare(p + digits, 4, " day") != 0) continue;
        return lessThan ? n - 1 : n;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Date> latestAcceptedExpiry(const Error& error, Date today, Date refused) {
  if (error.httpStatus != 400 && error.httpStatus != 422) return std::nullopt;
  auto usable = [&](Date d) -> std::optional<Date> {
    if (d <= today || d >= refused) return std::nullopt;
    return d;
  };
  if (auto max = maxExpiryFromError(error)) return usable(*max);
  for (const std::string* text : {&error.message, &error.detail}) {
    const std::string l = lower(*text);
    if (auto days = lifetimeDaysIn(l)) {
      Date d = today + std::chrono::days(*days);
      // today + N itself refused: GitLab's day is behind ours; the day before, once.
      if (d == refused) d = refused - std::chrono::days(1);
      return usable(d);
    }
  }
  for (const std::string* text : {&error.message, &error.detail}) {
    const std::string l = lower(*text);
    if (l.find("expiration date is invalid") == std::string::npos && l.find("expires_at is invalid") == std::string::npos) {
      continue;
    }
    for (int days : {365, kFallbackLifetimeDays}) {
      if (auto d = usable(today + std::chrono::days(days))) return d;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

Error errorFromTransport(const Error& transportError, const std::string& host, const std::string& what) {
  std::string reason = transportError.message.empty() ? errorKindName(transportError.kind) : transportError.message;
  Error e = Error::make(transportError.kind == ErrorKind::kTimeout || transportError.kind == ErrorKind::kProtocol
                            ? transportError.kind
                            : ErrorKind::kUnavailable,
                        "GitLab at " + host + " could not be reached while " + what + ": " + redactTokens(reason),
                        redactTokens("transport error (" + std::string(errorKindName(transportError.kind)) +
                                     ") while " + what + ": " + transportError.detail));
  return e;
}

}  // namespace patbot::gitlab
