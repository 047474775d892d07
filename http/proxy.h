// Outbound proxy choice for corporate networks: HTTPS_PROXY for https:// and wss:// URLs,
// HTTP_PROXY for http:// and ws:// URLs, NO_PROXY exceptions (the usual conventions of curl and
// Go's net/http, lower-case variable names included). Plain data, no I/O.
//
// Only plain http:// proxies are supported: the client sends `CONNECT host:port` (https, wss, and
// ws) or an absolute-form request (http, cpprest's client) in clear text to the proxy, and TLS to
// the destination runs inside the tunnel, end to end. An https:// (or socks) proxy URL, and proxy
// credentials ("http://user:pass@proxy:3128"), are refused: parseProxyUrl gives nullopt and the
// connection fails with kConfig rather than going around the proxy.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "http/url.h"

namespace patbot::http {

struct ProxySettings {
  std::string httpsProxy;   // e.g. "http://proxy.corp:3128" or "proxy.corp:3128"; "" = none
  std::string httpProxy;
  // Entries separated by commas and/or whitespace, case-insensitive:
  //   "*"                        every host
  //   "example.com", ".example.com", "*.example.com"
  //                              example.com itself and every host under it (not "myexample.com")
  //   "10.1.2.3", "::1", "[::1]" that IP literal exactly (no CIDR ranges: such an entry matches nothing)
  //   any of these + ":port"     ... only for URLs whose port (explicit or 80 / 443) is that one
  std::string noProxy;

  bool empty() const { return httpsProxy.empty() && httpProxy.empty(); }
  // The proxy URL to use for `url` (http, https, ws or wss), or nullopt to connect directly: no
  // proxy configured for its scheme, its host matches NO_PROXY, or `url` is not such a URL. The
  // answer is the configured value trimmed, with "http://" put in front when it has no scheme;
  // it is not checked here (see parseProxyUrl), so a bad setting fails loudly instead of
  // silently connecting directly.
  std::optional<std::string> proxyFor(const std::string& url) const;
  // kConfig naming the variable (HTTPS_PROXY / HTTP_PROXY, never its value) when a configured
  // proxy is not one parseProxyUrl accepts; for checking the configuration at start.
  Status validate() const;
};

// The host and port of an http:// proxy URL as proxyFor answers it; nullopt for another scheme,
// user info, or anything parseUrl refuses. The path, if any, is ignored.
std::optional<ParsedUrl> parseProxyUrl(const std::string& proxyUrl);

}  // namespace patbot::http
