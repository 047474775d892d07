#include "http/url.h"

#include <gtest/gtest.h>

#include "http/client.h"

namespace patbot::http {
namespace {

TEST(HttpUrlEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(urlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(urlEncode("sec/inventory-builder"), "sec%2Finventory-builder");
  EXPECT_EQ(urlEncode("a b+c&d=e?"), "a%20b%2Bc%26d%3De%3F");
  EXPECT_EQ(urlEncode(std::string("\x00\xff", 2)), "%00%FF");
  EXPECT_EQ(urlEncode("é"), "%C3%A9");
  EXPECT_EQ(urlEncode(""), "");
}

TEST(HttpUrlDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(urlDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(urlDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(urlDecode("%2f%2F"), "//");
  EXPECT_EQ(urlDecode("100%"), "100%");
  EXPECT_EQ(urlDecode("%4"), "%4");
  EXPECT_EQ(urlDecode("%zz"), "%zz");
  EXPECT_EQ(urlDecode(urlEncode("x/y z\xff")), "x/y z\xff");
}

TEST(HttpUrlDecode, EdgeCases) {
  // Malformed or truncated escapes stay as written, and decoding goes on after them.
  EXPECT_EQ(urlDecode("%zz%41"), "%zzA");
  EXPECT_EQ(urlDecode("%4g"), "%4g");
  EXPECT_EQ(urlDecode("a%4"), "a%4");
  EXPECT_EQ(urlDecode("%"), "%");
  EXPECT_EQ(urlDecode("%%41"), "%A");
  EXPECT_EQ(urlDecode("%41%"), "A%");
  // NUL and high bytes decode like any other.
  EXPECT_EQ(urlDecode("a%00b"), std::string("a\0b", 3));
  EXPECT_EQ(urlDecode("%fF%Ff"), "\xff\xff");
  // '+': kept in a path, a space in a form; an escaped '+' is a '+' either way.
  EXPECT_EQ(urlDecode("+"), "+");
  EXPECT_EQ(urlDecode("+", true), " ");
  EXPECT_EQ(urlDecode("%2B+%2b", true), "+ +");
  EXPECT_EQ(urlDecode("%2B+%2b"), "+++");
  // One pass: an escape that decodes to '%' does not start another escape.
  EXPECT_EQ(urlDecode("%2541"), "%41");
  EXPECT_EQ(urlDecode(""), "");
}

TEST(HttpParseUrl, SplitsSchemeHostPortAndPath) {
  auto u = parseUrl("https://GitLab.Example.com/api/v4/projects?per_page=100#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "gitlab.example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->pathAndQuery, "/api/v4/projects?per_page=100");

  auto local = parseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 8080);
  EXPECT_EQ(local->pathAndQuery, "/");
  EXPECT_EQ(hostPort(*local), "127.0.0.1:8080");

  auto query = parseUrl("HTTP://h?x=1");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->scheme, "http");
  EXPECT_EQ(query->port, 80);
  EXPECT_EQ(query->pathAndQuery, "/?x=1");

  auto v6 = parseUrl("http://[::1]:9000/a");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(hostPort(*v6), "[::1]:9000");
}

TEST(HttpParseUrl, RejectsMalformedUrls) {
  EXPECT_FALSE(parseUrl(""));
  EXPECT_FALSE(parseUrl("gitlab.example.com/api"));
  EXPECT_FALSE(parseUrl("ftp://example.com/"));
  EXPECT_FALSE(parseUrl("https:///path"));
  EXPECT_FALSE(parseUrl("https://:443/"));
  EXPECT_FALSE(parseUrl("https://host:/"));
  EXPECT_FALSE(parseUrl("https://host:0/"));
  EXPECT_FALSE(parseUrl("https://host:65536/"));
  EXPECT_FALSE(parseUrl("https://host:12ab/"));
  EXPECT_FALSE(parseUrl("https://user:pass@host/"));
  EXPECT_FALSE(parseUrl("https://host/a b"));
  EXPECT_FALSE(parseUrl("https://[::1/"));
}

TEST(HttpParseQuery, SplitsDecodesAndKeepsRepeats) {
  auto q = parseQuery("token=abc%2Fdef&text=pat+status+bot%2B1&empty=&flag&&a=1&a=2&eq=x=y");
  EXPECT_EQ(q.count("token"), 1u);
  EXPECT_EQ(q.find("token")->second, "abc/def");
  EXPECT_EQ(q.find("text")->second, "pat status bot+1");
  EXPECT_EQ(q.find("empty")->second, "");
  EXPECT_EQ(q.find("flag")->second, "");
  EXPECT_EQ(q.find("eq")->second, "x=y");
  auto [first, last] = q.equal_range("a");
  ASSERT_EQ(std::distance(first, last), 2);
  EXPECT_EQ(first->second, "1");
  EXPECT_EQ(std::next(first)->second, "2");
  EXPECT_EQ(q.size(), 7u);
  EXPECT_TRUE(parseQuery("").empty());
  EXPECT_EQ(parseQuery("na%20me+x=v").find("na me x")->second, "v");
}

}  // namespace
}  // namespace patbot::http
