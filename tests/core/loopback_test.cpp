// Loopback hosts are the only ones plain http:// may reach.
#include "core/loopback.h"

#include <gtest/gtest.h>

namespace patbot {
namespace {

TEST(Loopback, RecognisesLocalhostTheLoopbackNetAndIpv6One) {
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1",
                           "[::1]", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(isLoopbackHost(host)) << host;
  }
}

TEST(Loopback, RefusesEverythingElse) {
  for (const char* host : {"", "gitlab.example.com", "localhost.evil.example", "127.0.0.1.nip.io", "128.0.0.1",
                           "10.0.0.1", "0.0.0.0", "::", "::2", "::ffff:127.0.0.1", "127.1", "[::1"}) {
    EXPECT_FALSE(isLoopbackHost(host)) << host;
  }
}

TEST(Loopback, PlainHttpOnlyToLoopback) {
  EXPECT_TRUE(isAllowedScheme("https", "gitlab.example.com"));
  EXPECT_TRUE(isAllowedScheme("HTTPS", "hooks.slack.com"));
  EXPECT_TRUE(isAllowedScheme("http", "127.0.0.1"));
  EXPECT_TRUE(isAllowedScheme("http", "localhost"));
  EXPECT_FALSE(isAllowedScheme("http", "gitlab.example.com"));
  EXPECT_FALSE(isAllowedScheme("http", "10.1.2.3"));
  EXPECT_FALSE(isAllowedScheme("ftp", "127.0.0.1"));
}

}  // namespace
}  // namespace patbot
