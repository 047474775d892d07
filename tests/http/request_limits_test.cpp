// checkRequestHead: the head limits the server adapter applies before reading a body.
#include "http/request_limits.h"

#include <gtest/gtest.h>

namespace patbot::http {
namespace {

Request head(std::string method = "POST", std::string path = "/slack/commands") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers["host"] = "patbot.example.com";
  r.headers["content-type"] = "application/x-www-form-urlencoded";
  return r;
}

TEST(RequestLimits, HeadBytesCountTheWireFormat) {
  Request r;
  r.method = "GET";
  r.path = "/a";
  EXPECT_EQ(requestHeadBytes(r), std::string("GET /a HTTP/1.1\r\n").size());
  r.query = "x=1";
  EXPECT_EQ(requestHeadBytes(r), std::string("GET /a?x=1 HTTP/1.1\r\n").size());
  r.headers["host"] = "h";
  EXPECT_EQ(requestHeadBytes(r), std::string("GET /a?x=1 HTTP/1.1\r\nhost: h\r\n").size());
}

TEST(RequestLimits, ASlackRequestPasses) {
  Request r = head();
  r.headers["content-length"] = "412";
  r.headers["x-slack-signature"] = "v0=" + std::string(64, 'a');
  r.headers["x-slack-request-timestamp"] = "1531420618";
  auto check = checkRequestHead(r, {});
  EXPECT_EQ(check.status, 0) << check.reason;
  ASSERT_TRUE(check.contentLength);
  EXPECT_EQ(*check.contentLength, 412u);
}

TEST(RequestLimits, HeaderLimitIsInclusive) {
  RequestLimits limits;
  limits.maxHeaderBytes = 1024;
  Request r = head();
  r.headers["x-pad"] = "";
  r.headers["x-pad"] = std::string(limits.maxHeaderBytes - requestHeadBytes(r), 'p');
  EXPECT_EQ(requestHeadBytes(r), limits.maxHeaderBytes);
  EXPECT_EQ(checkRequestHead(r, limits).status, 0);
  r.headers["x-pad"] += "p";
  auto over = checkRequestHead(r, limits);
  EXPECT_EQ(over.status, 431);
  EXPECT_NE(over.reason.find("1025 bytes, over 1024"), std::string::npos) << over.reason;
  EXPECT_EQ(over.reason.find("ppp"), std::string::npos) << "never a header value in the reason";
}

TEST(RequestLimits, ManySmallHeadersCountToo) {
  Request r = head();
  for (int i = 0; i < 2000; ++i) r.headers["x-h" + std::to_string(i)] = "v";
  EXPECT_EQ(checkRequestHead(r, {}).status, 431);
}

TEST(RequestLimits, LongUrlCounts) {
  Request r = head("GET", "/" + std::string(20000, 'a'));
  EXPECT_EQ(checkRequestHead(r, {}).status, 431);
}

TEST(RequestLimits, DeclaredBodyLimitIsInclusive) {
  Request r = head();
  r.headers["content-length"] = "65536";
  EXPECT_EQ(checkRequestHead(r, {}).status, 0);
  r.headers["content-length"] = "65537";
  auto over = checkRequestHead(r, {});
  EXPECT_EQ(over.status, 413);
  ASSERT_TRUE(over.contentLength);
  EXPECT_EQ(*over.contentLength, 65537u);
  r.headers["content-length"] = "18446744073709551615";
  EXPECT_EQ(checkRequestHead(r, {}).status, 413);
}

TEST(RequestLimits, MalformedContentLengthIs400) {
  for (const char* bad : {"", "-1", "+5", "12a", " 12", "0x10", "99999999999999999999999", "1, 1"}) {
    Request r = head();
    r.headers["content-length"] = bad;
    EXPECT_EQ(checkRequestHead(r, {}).status, 400) << "'" << bad << "'";
  }
}

TEST(RequestLimits, HeaderLimitIsCheckedBeforeTheBodyLimit) {
  RequestLimits limits;
  limits.maxHeaderBytes = 200;
  Request r = head();
  r.headers["content-length"] = "999999999";
  r.headers["x-pad"] = std::string(300, 'p');
  EXPECT_EQ(checkRequestHead(r, limits).status, 431);
}

}  // namespace
}  // namespace patbot::http
