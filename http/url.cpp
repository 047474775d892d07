#include "http/url.h"

#include <cctype>
#include <charconv>

#include "core/lower_case.h"
#include "http/client.h"

namespace patbot::http {
namespace {

bool isUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// parseUrl's rules for the two schemes given (lower case): the first defaults to port 80, the
// second to 443.
std::optional<ParsedUrl> parseUrlOf(const std::string& url, std::string_view plain, std::string_view secure);

}  // namespace

std::string urlEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (isUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::string urlDecode(std::string_view value, bool plusIsSpace) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < value.size() && hexValue(value[i + 1]) >= 0 &&
               hexValue(value[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(value[i + 1]) * 16 + hexValue(value[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::multimap<std::string, std::string> parseQuery(std::string_view raw) {
  std::multimap<std::string, std::string> out;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view piece = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      out.emplace(urlDecode(piece, true), std::string{});
    } else {
      out.emplace(urlDecode(piece.substr(0, eq), true), urlDecode(piece.substr(eq + 1), true));
    }
  }
  return out;
}

std::optional<ParsedUrl> parseUrl(const std::string& url) { return parseUrlOf(url, "http", "https"); }

std::optional<ParsedUrl> parseWebSocketUrl(const std::string& url) { return parseUrlOf(url, "ws", "wss"); }

namespace {

std::optional<ParsedUrl> parseUrlOf(const std::string& url, std::string_view plain, std::string_view secure) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) return std::nullopt;
  }
  size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  ParsedUrl out;
  out.scheme = lowerCase(std::string_view(url).substr(0, sep));
  uint16_t defaultPort = 0;
  if (out.scheme == plain) {
    defaultPort = 80;
  } else if (out.scheme == secure) {
    defaultPort = 443;
  } else {
    return std::nullopt;
  }

  size_t authorityStart = sep + 3;
  size_t authorityEnd = url.find_first_of("/?#", authorityStart);
  if (authorityEnd == std::string::npos) authorityEnd = url.size();
  std::string_view authority = std::string_view(url).substr(authorityStart, authorityEnd - authorityStart);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view portText;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = lowerCase(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      portText = rest.substr(1);
      if (portText.empty()) return std::nullopt;
    }
  } else {
    size_t colon = authority.find(':');
    out.host = lowerCase(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) return std::nullopt;
    }
    if (out.host.empty()) return std::nullopt;
  }

  out.port = defaultPort;
  if (!portText.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (ec != std::errc{} || end != portText.data() + portText.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(value);
  }

  std::string rest = url.substr(authorityEnd);
  size_t hash = rest.find('#');
  if (hash != std::string::npos) rest.resize(hash);
  if (rest.empty() || rest.front() == '?') rest.insert(0, "/");
  out.pathAndQuery = std::move(rest);
  return out;
}

}  // namespace

std::string hostPort(const ParsedUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return host + ":" + std::to_string(url.port);
}

}  // namespace patbot::http
