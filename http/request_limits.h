// Limits on the head of an incoming request (request line and headers), checked by the server
// adapter as soon as the head is parsed and before any of the body is read.
//
// checkRequestHead() returns status 0 when the request may proceed, else the refusal:
//   431 when the request line and headers together exceed maxHeaderBytes,
//   400 when Content-Length is present but not a plain decimal number,
//   413 when the declared Content-Length exceeds maxBodyBytes (SPEC §3: over 64 KiB).
// Header bytes are counted as on the wire: method, path, query and, per header, name + value + 4
// (": " and CRLF). The check bounds what reaches the handler. What a listener buffers before the
// head is complete differs: the Beast server (patbot serve) stops reading at maxHeaderBytes plus
// a few hundred bytes and answers 431; the cpprest listener (the fakes) reads a head of any size
// into memory first.
// Pure function of its arguments; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "http/http_types.h"

namespace patbot::http {

struct RequestLimits {
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 64 * 1024;
};

struct HeadCheck {
  int status = 0;                          // 0: proceed; else 400, 413 or 431
  std::string reason;                      // for the log: sizes only, never header values
  std::optional<uint64_t> contentLength;   // the declared length, when present and well-formed
};

// Bytes of the request line and headers as counted above.
size_t requestHeadBytes(const Request& head);

HeadCheck checkRequestHead(const Request& head, const RequestLimits& limits);

// The answer to a request refused before routing (400, 413 or 431): a short plain-text reason and
// "Connection: close", after which the server closes the connection.
Response refusalResponse(int status);

}  // namespace patbot::http
