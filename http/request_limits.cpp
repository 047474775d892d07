#include "http/request_limits.h"

#include <charconv>

#include <fmt/format.h>

namespace patbot::http {

size_t requestHeadBytes(const Request& head) {
  // "METHOD SP path[?query] SP HTTP/1.1 CRLF", then "name: value CRLF" per header.
  size_t bytes = head.method.size() + 1 + head.path.size() + (head.query.empty() ? 0 : 1 + head.query.size()) +
                 sizeof(" HTTP/1.1\r\n") - 1;
  for (const auto& [name, value] : head.headers) bytes += name.size() + value.size() + 4;
  return bytes;
}

HeadCheck checkRequestHead(const Request& head, const RequestLimits& limits) {
  HeadCheck check;
  size_t headBytes = requestHeadBytes(head);
  if (headBytes > limits.maxHeaderBytes) {
    check.status = 431;
    check.reason = fmt::format("request line and headers of {} bytes, over {}", headBytes, limits.maxHeaderBytes);
    return check;
  }
  if (const std::string* length = head.header("content-length")) {
    uint64_t declared = 0;
    const char* first = length->data();
    const char* last = first + length->size();
    auto [end, ec] = std::from_chars(first, last, declared);
    if (length->empty() || ec != std::errc{} || end != last) {
      check.status = 400;
      check.reason = fmt::format("content-length is not a decimal number ({} characters)", length->size());
      return check;
    }
    check.contentLength = declared;
    if (declared > limits.maxBodyBytes) {
      check.status = 413;
      check.reason = fmt::format("declared body of {} bytes, over {}", declared, limits.maxBodyBytes);
      return check;
    }
  }
  return check;
}

Response refusalResponse(int status) {
  const char* text = status == 413 ? "request body too large"
                     : status == 431 ? "request header fields too large"
                                     : "bad request";
  Response response = Response::text(status, text);
  response.headers["Connection"] = "close";
  return response;
}

}  // namespace patbot::http
