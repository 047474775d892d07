// URL and query-string helpers: plain string code, no cpprestsdk.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace patbot::http {

struct ParsedUrl {
  std::string scheme;        // "http" or "https" (parseWebSocketUrl: "ws" or "wss"), lower-cased
  std::string host;          // lower-cased; an IPv6 literal without its brackets
  uint16_t port = 0;         // explicit port, else 80 / 443 from the scheme (ws 80, wss 443)
  std::string pathAndQuery;  // "/" when the URL has no path; the fragment is dropped
};

// Parses an absolute http:// or https:// URL. Returns nullopt for other schemes, a missing or
// empty host, user info ("user:pass@host" is refused so credentials never reach a log), a bad
// port, or whitespace/control characters anywhere.
std::optional<ParsedUrl> parseUrl(const std::string& url);

// The same rules for ws:// and wss:// URLs (RFC 6455), and only those: parseUrl keeps refusing
// them, so configuration that must be http(s) never takes a WebSocket URL.
std::optional<ParsedUrl> parseWebSocketUrl(const std::string& url);

// "host:port", with brackets around an IPv6 literal; for building URLs and log lines.
std::string hostPort(const ParsedUrl& url);

// Percent-decodes; with plusIsSpace, '+' becomes ' ' first (form encoding). A malformed escape
// ("%4", "%zz") is kept as written; "%00" decodes to a NUL byte. The one decoder: request paths
// use it as is ('+' stays), queries and form bodies (parseQuery, slack::parseForm) with
// plusIsSpace.
std::string urlDecode(std::string_view value, bool plusIsSpace = false);

// Splits an application/x-www-form-urlencoded string (a query or a form body) on '&', then on the
// first '='; '+' is a space and %XX escapes are decoded in names and values. Empty pieces are
// skipped; a piece without '=' has an empty value. Repeated names keep every value in order.
std::multimap<std::string, std::string> parseQuery(std::string_view raw);

}  // namespace patbot::http
