#include "core/loopback.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace patbot {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool isLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string h = lower(host);
  if (h == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    for (int i = 0; i < 15; ++i) {
      if (v6.s6_addr[i] != 0) return false;
    }
    return v6.s6_addr[15] == 1;
  }
  return false;
}

bool isAllowedScheme(std::string_view scheme, std::string_view host) {
  const std::string s = lower(scheme);
  if (s == "https") return true;
  return s == "http" && isLoopbackHost(host);
}

}  // namespace patbot
