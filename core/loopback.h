// Which hosts count as this machine: the one exception to "every outside URL is https://".
#pragma once

#include <string_view>

namespace patbot {

// True for "localhost" (any case), an IPv4 literal in 127.0.0.0/8 and the IPv6 literal ::1 (with
// or without brackets, in any spelling inet_pton accepts). Anything else, names that merely resolve
// to loopback included, is false. `host` carries no port.
bool isLoopbackHost(std::string_view host);

// True when a request to scheme://host may be sent: "https" to any host, "http" only to a loopback
// host (tests and the demo). The scheme is compared case-insensitively.
bool isAllowedScheme(std::string_view scheme, std::string_view host);

}  // namespace patbot
