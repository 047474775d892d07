#include "core/loopback.h"

#include <arpa/inet.h>

#include <string>

#include "core/lower_case.h"

namespace patbot {

bool isLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string h = lowerCase(host);
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
  const std::string s = lowerCase(scheme);
  if (s == "https") return true;
  return s == "http" && isLoopbackHost(host);
}

}  // namespace patbot
