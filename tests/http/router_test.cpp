#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace patbot::http {
namespace {

Request makeRequest(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

Router makeRouter() {
  Router router;
  router.add("GET", "/healthz", [](const Request&) { return Response::text(200, "ok"); });
  router.add("POST", "/slack/commands", [](const Request&) { return Response::text(200, "commands"); });
  router.add("PUT", "/slack/commands", [](const Request&) { return Response::text(200, "put"); });
  router.addPrefix("POST", "/commands/", [](const Request& r) { return Response::text(200, "prefix " + r.path); });
  router.addPrefix("POST", "/commands/special/", [](const Request&) { return Response::text(200, "longer"); });
  router.add("POST", "/commands/exact", [](const Request&) { return Response::text(200, "exact"); });
  return router;
}

// The router's answer to METHOD PATH as "STATUS BODY", with " (allow: ...)" when it names the
// methods that would do.
std::string answerTo(const Router& router, std::string method, std::string path) {
  Response r = router.handle(makeRequest(std::move(method), std::move(path)));
  auto allow = r.headers.find("allow");
  return std::to_string(r.status) + " " + r.body + (allow == r.headers.end() ? "" : " (allow: " + allow->second + ")");
}

// Exact routes by method; the longest matching prefix, unless an exact route matches; 404 for a
// path no route has, 405 naming the methods that would do for one that has it under another.
TEST(HttpRouter, EveryRequestReachesItsRouteOrIsToldWhyNot) {
  const Router router = makeRouter();
  const struct {
    const char* method;
    const char* path;
    const char* answer;
  } cases[] = {
      {"GET", "/healthz", "200 ok"},
      {"POST", "/slack/commands", "200 commands"},
      {"PUT", "/slack/commands", "200 put"},
      {"POST", "/commands/T123/abc", "200 prefix /commands/T123/abc"},
      {"POST", "/commands/special/x", "200 longer"},
      {"POST", "/commands/exact", "200 exact"},
      {"GET", "/nope", "404 not found"},
      {"GET", "/healthz/", "404 not found"},
      {"GET", "/commands", "404 not found"},
      {"GET", "/slack/commands", "405 method not allowed (allow: POST, PUT)"},
      {"DELETE", "/commands/abc", "405 method not allowed (allow: POST)"},
  };
  for (const auto& c : cases) EXPECT_EQ(answerTo(router, c.method, c.path), c.answer) << c.method << " " << c.path;
}

TEST(HttpRouter, IsUsableAsRequestHandlerAndPropagatesExceptions) {
  Router router = makeRouter();
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  RequestHandler handler = router;
  EXPECT_EQ(handler(makeRequest("GET", "/healthz")).body, "ok");
  EXPECT_THROW(handler(makeRequest("GET", "/boom")), std::runtime_error);
}

}  // namespace
}  // namespace patbot::http
