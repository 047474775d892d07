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

TEST(HttpRouter, DispatchesExactRoutesByMethod) {
  Router router = makeRouter();
  EXPECT_EQ(router.handle(makeRequest("GET", "/healthz")).body, "ok");
  EXPECT_EQ(router.handle(makeRequest("POST", "/slack/commands")).body, "commands");
  EXPECT_EQ(router.handle(makeRequest("PUT", "/slack/commands")).body, "put");
}

TEST(HttpRouter, UnknownPathIs404) {
  Router router = makeRouter();
  Response r = router.handle(makeRequest("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "not found");
  EXPECT_EQ(router.handle(makeRequest("GET", "/healthz/")).status, 404);
  EXPECT_EQ(router.handle(makeRequest("GET", "/commands")).status, 404);
}

TEST(HttpRouter, WrongMethodIs405WithAllow) {
  Router router = makeRouter();
  Response r = router.handle(makeRequest("GET", "/slack/commands"));
  EXPECT_EQ(r.status, 405);
  ASSERT_TRUE(r.headers.count("allow"));
  EXPECT_EQ(r.headers.at("allow"), "POST, PUT");
  Response prefix = router.handle(makeRequest("DELETE", "/commands/abc"));
  EXPECT_EQ(prefix.status, 405);
  EXPECT_EQ(prefix.headers.at("allow"), "POST");
}

TEST(HttpRouter, PrefixRoutesMatchLongestAndExactWins) {
  Router router = makeRouter();
  EXPECT_EQ(router.handle(makeRequest("POST", "/commands/T123/abc")).body, "prefix /commands/T123/abc");
  EXPECT_EQ(router.handle(makeRequest("POST", "/commands/special/x")).body, "longer");
  EXPECT_EQ(router.handle(makeRequest("POST", "/commands/exact")).body, "exact");
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
