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

// parseUrl's answer as "SCHEME HOST PORT PATH_AND_QUERY (HOST:PORT)", or "refused".
std::string parsed(const std::string& url) {
  auto u = parseUrl(url);
  if (!u) return "refused";
  return u->scheme + " " + u->host + " " + std::to_string(u->port) + " " + u->pathAndQuery + " (" + hostPort(*u) + ")";
}

TEST(HttpParseUrl, SplitsSchemeHostPortAndPath) {
  EXPECT_EQ(parsed("https://GitLab.Example.com/api/v4/projects?per_page=100#frag"),
            "https gitlab.example.com 443 /api/v4/projects?per_page=100 (gitlab.example.com:443)");
  EXPECT_EQ(parsed("http://127.0.0.1:8080"), "http 127.0.0.1 8080 / (127.0.0.1:8080)");
  EXPECT_EQ(parsed("HTTP://h?x=1"), "http h 80 /?x=1 (h:80)");
  EXPECT_EQ(parsed("http://[::1]:9000/a"), "http ::1 9000 /a ([::1]:9000)");
}

TEST(HttpParseUrl, RejectsMalformedUrls) {
  for (const char* url : {"", "gitlab.example.com/api", "ftp://example.com/", "https:///path", "https://:443/",
                          "https://host:/", "https://host:0/", "https://host:65536/", "https://host:12ab/",
                          "https://user:pass@host/", "https://host/a b", "https://[::1/"}) {
    EXPECT_EQ(parsed(url), "refused") << url;
  }
}

TEST(HttpParseUrl, WebSocketSchemesOnlyThroughTheirOwnParser) {
  for (const char* url : {"ws://127.0.0.1:8080/link", "wss://wss-primary.slack.com/link/?ticket=t"}) {
    EXPECT_EQ(parsed(url), "refused") << url << ": parseUrl must keep refusing WebSocket URLs";
  }
  auto secure = parseWebSocketUrl("WSS://wss-primary.slack.com/link/?ticket=t&app_id=A1");
  ASSERT_TRUE(secure);
  EXPECT_EQ(secure->scheme, "wss");
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->pathAndQuery, "/link/?ticket=t&app_id=A1");
  auto plain = parseWebSocketUrl("ws://[::1]:9000");
  ASSERT_TRUE(plain);
  EXPECT_EQ(hostPort(*plain), "[::1]:9000");
  EXPECT_EQ(plain->pathAndQuery, "/");
  EXPECT_EQ(parseWebSocketUrl("ws://h")->port, 80);
  for (const char* url : {"https://example.com/", "http://example.com/", "wss://user:pw@h/", "ws://h:0/", "wss:///x"}) {
    EXPECT_FALSE(parseWebSocketUrl(url)) << url;
  }
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
