// The production HTTP client transport (cpprestsdk underneath).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "http/http_types.h"
#include "http/proxy.h"

namespace patbot::http {

struct ClientOptions {
  std::string extraCaFile;   // PEM bundle trusted in addition to the system store ("" = none)
  std::string userAgent = "patbot";
  // Largest answer body read; a larger one (declared or chunked) fails the request with kProtocol
  // and no more than this many bytes are ever held for it.
  size_t maxBodyBytes = 16 * 1024 * 1024;
  // Requests whose URL proxy.proxyFor() names a proxy for go through it: https:// in a CONNECT
  // tunnel (TLS stays end to end), http:// as absolute-form requests. A proxy that is not an
  // http:// URL fails those requests with kConfig (never a silent direct connection).
  ProxySettings proxy{};
};

// TLS is always verified (system store plus extraCaFile). Each request honours its own deadline
// as a total bound (a cancellation token, not just a socket timeout). GET, PUT and DELETE reuse
// pooled connections; POST and PATCH use a connection of their own and are sent exactly once
// (cpprest re-sends silently on a pooled connection that closes before the answer). Redirects are
// never followed: a 3xx answer is a kProtocol error naming only the Location's host (with
// httpStatus set). Bodies over options.maxBodyBytes are a kProtocol error. Thread-safe.
std::unique_ptr<Transport> makeCpprestTransport(ClientOptions options = {});

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string urlEncode(const std::string& value);

}  // namespace patbot::http
