#include "http/proxy.h"

#include <string_view>
#include <vector>

#include "core/lower_case.h"

namespace patbot::http {
namespace {

constexpr std::string_view kSpace = " \t\r\n";

std::string_view trim(std::string_view text) {
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// A NO_PROXY entry taken apart: host (lower case, no brackets, no leading "." or "*.") and the
// port it is limited to (0 = any).
struct NoProxyEntry {
  std::string host;
  unsigned port = 0;
  bool everything = false;
};

bool parsePort(std::string_view text, unsigned& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  port = value;
  return true;
}

std::optional<NoProxyEntry> parseEntry(std::string_view raw) {
  NoProxyEntry entry;
  std::string text = lowerCase(raw);
  if (text == "*") {
    entry.everything = true;
    return entry;
  }
  std::string_view view = text;
  if (view.front() == '[') {   // "[v6]" or "[v6]:port"
    size_t close = view.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    std::string_view rest = view.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parsePort(rest.substr(1), entry.port))) return std::nullopt;
    entry.host = std::string(view.substr(1, close - 1));
    return entry;
  }
  size_t colon = view.find(':');
  if (colon != std::string_view::npos && view.find(':', colon + 1) == std::string_view::npos) {
    // exactly one colon: "host:port"
    if (!parsePort(view.substr(colon + 1), entry.port)) return std::nullopt;
    view = view.substr(0, colon);
  }
  // (two or more colons and no brackets: a bare IPv6 literal, kept whole)
  if (view.substr(0, 2) == "*.") view.remove_prefix(2);
  if (!view.empty() && view.front() == '.') view.remove_prefix(1);
  if (!view.empty() && view.back() == '.') view.remove_suffix(1);
  if (view.empty()) return std::nullopt;
  entry.host = std::string(view);
  return entry;
}

bool isIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;   // IPv6
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

bool matches(const NoProxyEntry& entry, std::string_view host, unsigned port) {
  if (entry.everything) return true;
  if (entry.port != 0 && entry.port != port) return false;
  if (host == entry.host) return true;
  if (isIpLiteral(host) || isIpLiteral(entry.host)) return false;
  return host.size() > entry.host.size() && host.substr(host.size() - entry.host.size()) == entry.host &&
         host[host.size() - entry.host.size() - 1] == '.';
}

bool bypasses(const std::string& noProxy, const ParsedUrl& url) {
  std::string_view host = url.host;
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);   // "example.com." is example.com
  std::string_view rest = noProxy;
  while (!rest.empty()) {
    size_t end = rest.find_first_of(std::string(kSpace) + ",");
    std::string_view piece = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (piece.empty()) continue;
    auto entry = parseEntry(piece);
    if (entry && matches(*entry, host, url.port)) return true;
  }
  return false;
}

std::string withScheme(std::string_view proxy) {
  if (proxy.find("://") == std::string_view::npos) return "http://" + std::string(proxy);
  return std::string(proxy);
}

}  // namespace

std::optional<std::string> ProxySettings::proxyFor(const std::string& url) const {
  auto parsed = parseUrl(url);
  if (!parsed) parsed = parseWebSocketUrl(url);
  if (!parsed) return std::nullopt;
  bool secure = parsed->scheme == "https" || parsed->scheme == "wss";
  std::string_view proxy = trim(secure ? httpsProxy : httpProxy);
  if (proxy.empty() || bypasses(noProxy, *parsed)) return std::nullopt;
  return withScheme(proxy);
}

Status ProxySettings::validate() const {
  for (const auto& [value, name] : {std::pair{&httpsProxy, "HTTPS_PROXY"}, std::pair{&httpProxy, "HTTP_PROXY"}}) {
    std::string_view proxy = trim(*value);
    if (!proxy.empty() && !parseProxyUrl(withScheme(proxy))) {
      return Error::make(ErrorKind::kConfig,
                         std::string(name) +
                             " is not an http:// proxy URL such as http://proxy.example:3128 (https:// proxies and "
                             "proxy credentials are not supported)");
    }
  }
  return okStatus();
}

std::optional<ParsedUrl> parseProxyUrl(const std::string& proxyUrl) {
  auto parsed = parseUrl(proxyUrl);
  if (!parsed || parsed->scheme != "http") return std::nullopt;
  return parsed;
}

}  // namespace patbot::http
