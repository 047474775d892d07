// ProxySettings: which proxy a URL goes through, NO_PROXY as curl and Go read it.
#include <gtest/gtest.h>

#include <string>

#include "http/proxy.h"

namespace patbot::http {
namespace {

const std::string kProxy = "http://proxy.corp:3128";

// proxyFor's answer, or "direct".
std::string route(const ProxySettings& settings, const std::string& url) {
  return settings.proxyFor(url).value_or("direct");
}

ProxySettings bothWithNoProxy(const std::string& noProxy) {
  ProxySettings settings;
  settings.httpsProxy = kProxy;
  settings.httpProxy = kProxy;
  settings.noProxy = noProxy;
  return settings;
}

TEST(HttpProxySettings, SchemeSelectsTheVariable) {
  ProxySettings settings;
  settings.httpsProxy = "http://secure-proxy:3128";
  settings.httpProxy = "http://plain-proxy:8080";
  EXPECT_EQ(route(settings, "https://slack.com/api/apps.connections.open"), "http://secure-proxy:3128");
  EXPECT_EQ(route(settings, "wss://wss-primary.slack.com/link/?ticket=t"), "http://secure-proxy:3128");
  EXPECT_EQ(route(settings, "http://gitlab.internal/api/v4"), "http://plain-proxy:8080");
  EXPECT_EQ(route(settings, "ws://127.0.0.1:9000/"), "http://plain-proxy:8080");

  ProxySettings onlyHttps;
  onlyHttps.httpsProxy = kProxy;
  EXPECT_EQ(route(onlyHttps, "http://gitlab.internal/"), "direct");
  EXPECT_EQ(route(onlyHttps, "ws://gitlab.internal/"), "direct");
  EXPECT_EQ(route(ProxySettings{}, "https://slack.com/"), "direct");
  EXPECT_TRUE(ProxySettings{}.empty());
  EXPECT_FALSE(onlyHttps.empty());
}

TEST(HttpProxySettings, OtherUrlsGoDirect) {
  ProxySettings settings = bothWithNoProxy("");
  for (const char* url : {"ftp://example.com/", "not a url", "", "https://user:pw@example.com/"}) {
    EXPECT_EQ(route(settings, url), "direct") << url;
  }
}

TEST(HttpProxySettings, ProxyWithoutSchemeIsHttpAndIsTrimmed) {
  ProxySettings settings;
  settings.httpsProxy = "  proxy.corp:3128 ";
  EXPECT_EQ(route(settings, "https://slack.com/"), "http://proxy.corp:3128");
  EXPECT_TRUE(settings.validate().ok());
  auto parsed = parseProxyUrl(*settings.proxyFor("https://slack.com/"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(hostPort(*parsed), "proxy.corp:3128");
}

TEST(HttpProxySettings, OnlyHttpProxiesAreUsable) {
  EXPECT_TRUE(parseProxyUrl("http://proxy:3128"));
  EXPECT_TRUE(parseProxyUrl("http://proxy:3128/"));
  for (const char* proxy : {"https://proxy:3128", "socks5://proxy:1080", "http://user:secret@proxy:3128", "http://"}) {
    EXPECT_FALSE(parseProxyUrl(proxy)) << proxy;
  }
  ProxySettings settings;
  settings.httpsProxy = "https://proxy:3128";
  // proxyFor still names it (a bad setting must not mean "go direct"); validate() refuses it.
  EXPECT_EQ(route(settings, "https://slack.com/"), "https://proxy:3128");
  Status checked = settings.validate();
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().kind, ErrorKind::kConfig);
  EXPECT_NE(checked.error().message.find("HTTPS_PROXY"), std::string::npos) << checked.error().message;

  settings = {};
  settings.httpProxy = "http://user:secret@proxy:3128";
  checked = settings.validate();
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("HTTP_PROXY"), std::string::npos) << checked.error().message;
  EXPECT_EQ(checked.error().message.find("secret"), std::string::npos) << "the value is never shown";
}

struct NoProxyCase {
  const char* noProxy;
  const char* url;
  bool bypass;
};

TEST(HttpProxySettings, NoProxyTable) {
  const NoProxyCase cases[] = {
      // exact host and domain suffix, with or without the leading dot (or "*.")
      {"example.com", "https://example.com/", true},
      {"example.com", "https://api.example.com/", true},
      {"example.com", "https://a.b.example.com/", true},
      {".example.com", "https://api.example.com/", true},
      {".example.com", "https://example.com/", true},
      {"*.example.com", "https://api.example.com/", true},
      {"example.com", "https://myexample.com/", false},
      {"example.com", "https://example.com.evil.net/", false},
      {"api.example.com", "https://example.com/", false},
      {"example.com", "https://example.org/", false},
      // everything
      {"*", "https://slack.com/", true},
      {"*", "ws://10.0.0.1:9000/", true},
      {" * ", "https://slack.com/", true},
      // lists: commas and/or whitespace, empty pieces
      {"localhost, .internal ,example.com", "https://gitlab.internal/", true},
      {"localhost .internal\texample.com", "https://gitlab.internal/", true},
      {",,localhost,,", "http://localhost:8080/", true},
      {"localhost,127.0.0.1", "https://slack.com/", false},
      {"", "https://slack.com/", false},
      // case
      {"Example.COM", "https://API.example.com/", true},
      {"EXAMPLE.com", "wss://example.COM/", true},
      // ports: the URL's explicit or default port must equal the entry's
      {"example.com:8443", "https://api.example.com:8443/", true},
      {"example.com:8443", "https://api.example.com/", false},
      {"example.com:443", "https://api.example.com/", true},
      {"example.com:443", "wss://example.com/", true},
      {"example.com:80", "https://example.com/", false},
      {"example.com:80", "ws://example.com/", true},
      // IP literals match exactly, never as a suffix
      {"127.0.0.1", "http://127.0.0.1:9000/", true},
      {"127.0.0.1:9000", "http://127.0.0.1:9000/", true},
      {"127.0.0.1:9001", "http://127.0.0.1:9000/", false},
      {"0.0.1", "http://127.0.0.1/", false},
      {"10.0.0.0/8", "http://10.1.2.3/", false},   // no CIDR ranges
      {"::1", "http://[::1]:9000/", true},
      {"[::1]", "http://[::1]:9000/", true},
      {"[::1]:9000", "http://[::1]:9000/", true},
      {"[::1]:9001", "http://[::1]:9000/", false},
      {"::2", "http://[::1]:9000/", false},
      // a trailing dot on either side is the same name
      {"example.com.", "https://api.example.com/", true},
      {"example.com", "https://api.example.com./", true},
      // malformed entries match nothing and do not spoil the others
      {"example.com:http,slack.com", "https://slack.com/", true},
      {"example.com:http", "https://example.com/", false},
      {"[::1", "http://[::1]/", false},
  };
  for (const auto& c : cases) {
    ProxySettings settings = bothWithNoProxy(c.noProxy);
    EXPECT_EQ(route(settings, c.url), c.bypass ? "direct" : kProxy) << "NO_PROXY=\"" << c.noProxy << "\" " << c.url;
  }
}

}  // namespace
}  // namespace patbot::http
