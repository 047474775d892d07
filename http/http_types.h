// Plain HTTP types shared by the server adapter, the client transport and everything above them.
// Nothing here depends on cpprestsdk; only files in http/ that end in _cpprest.cpp include it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace patbot::http {

// Header names are stored lower-cased; lookups must use lower case.
using Headers = std::map<std::string, std::string>;

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string path;     // decoded path without the query, e.g. "/slack/commands"
  std::string query;    // raw query string without '?', still percent-encoded
  Headers headers;      // lower-cased names
  std::string body;     // raw bytes, exactly as received
  std::string remote;   // peer address, for logs

  const std::string* header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct Response {
  int status = 200;
  Headers headers;      // e.g. {"content-type", "application/json"}
  std::string body;

  static Response text(int status, std::string body);
  static Response json(int status, std::string body);
};

// --- Client side ---------------------------------------------------------------------------

struct ClientRequest {
  std::string method = "GET";
  std::string url;                                   // absolute: scheme://host[:port]/path?query
  Headers headers;                                   // sent as given (names may be any case)
  std::string body;
  std::chrono::milliseconds deadline{30000};         // total time for connect + send + receive
};

struct ClientResponse {
  int status = 0;
  Headers headers;      // lower-cased names
  std::string body;

  const std::string* header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? nullptr : &it->second;
  }
};

// Sends one request and waits for the whole answer. Any HTTP status is a success at this level;
// an Error (kind kTimeout, kUnavailable or kProtocol) means no complete answer arrived.
// Implementations are thread-safe and may be called from many threads at once. Must not be
// called from an HTTP server handler thread (it blocks).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<ClientResponse> send(const ClientRequest& request) = 0;
};

}  // namespace patbot::http
