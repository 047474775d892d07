#include "http/http_types.h"

#include <utility>

namespace patbot::http {
namespace {

Response withBody(int status, const char* contentType, std::string body) {
  Response r;
  r.status = status;
  r.headers["content-type"] = contentType;
  r.body = std::move(body);
  return r;
}

}  // namespace

Response Response::text(int status, std::string body) {
  return withBody(status, "text/plain; charset=utf-8", std::move(body));
}

Response Response::json(int status, std::string body) {
  return withBody(status, "application/json", std::move(body));
}

}  // namespace patbot::http
