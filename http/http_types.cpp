#include "http/http_types.h"

namespace patbot::http {

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace patbot::http
