// What the client transport refuses to do with an answer: follow a redirect (cpprest would copy
// PRIVATE-TOKEN and the bot token to the new host, and turn a POST into a GET), or read a body
// past its limit into memory. Real loopback HTTP on both sides.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "http/client.h"
#include "tests/http/canned_server.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;
using testing::CannedServer;

// Not a real token; the tests only ever look for it, never print it.
const std::string kToken = "glpat-guard-test-not-real";
constexpr size_t kLimit = 16 * 1024 * 1024;

std::string okAnswer(const std::string&) {
  return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
}

ClientRequest requestTo(uint16_t port, const std::string& method) {
  ClientRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v4/personal_access_tokens/self/rotate";
  request.headers["PRIVATE-TOKEN"] = kToken;
  request.headers["Authorization"] = "Bearer " + kToken;
  if (method == "POST") request.body = "{}";
  request.deadline = 10s;
  return request;
}

TEST(HttpClientRedirect, ThreeHundredsAreErrorsNamingOnlyTheLocationHost) {
  CannedServer elsewhere(okAnswer);
  for (int status : {301, 302, 303, 307, 308}) {
    for (const char* method : {"GET", "POST"}) {
      CannedServer redirecting([&](const std::string&) {
        return "HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: http://127.0.0.1:" +
               std::to_string(elsewhere.port()) + "/steal?query_secret=q1\r\nContent-Length: 0\r\n" +
               "Connection: close\r\n\r\n";
      });
      auto transport = makeCpprestTransport();
      auto result = transport->send(requestTo(redirecting.port(), method));
      ASSERT_TRUE(elsewhere.heads().empty())
          << status << " " << method << ": the redirect target received a request (with the token)";
      ASSERT_FALSE(result.ok()) << status << " " << method << " was followed or accepted";
      const Error& e = result.error();
      EXPECT_EQ(e.kind, ErrorKind::kProtocol);
      EXPECT_EQ(e.httpStatus, status);
      EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(elsewhere.port())), std::string::npos) << e.message;
      for (const std::string& text : {e.message, e.detail}) {
        EXPECT_EQ(text.find("query_secret"), std::string::npos) << "the Location's query must not be shown";
        EXPECT_EQ(text.find("/steal"), std::string::npos) << "the Location's path must not be shown";
        EXPECT_EQ(text.find(kToken), std::string::npos) << "a header value was shown";
      }
      EXPECT_EQ(redirecting.heads().size(), 1u);
    }
  }
}

TEST(HttpClientRedirect, RelativeAndOddLocationsNameOnlyAHost) {
  uint16_t self = 0;
  for (const auto& [locationText, named] : std::vector<std::pair<std::string, std::string>>{
           {"/users/sign_in?x=1", "self"},
           {"sign_in?x=1", "self"},
           {"//gitlab.other.example:8443/x?y=1", "gitlab.other.example:8443"},
           {"https://user:pw@evil.example/x", "an unreadable location"},
           {"", "no location"}}) {
    const std::string location = locationText;   // a structured binding cannot be captured (clang 14)
    CannedServer redirecting([&](const std::string&) {
      return "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    });
    self = redirecting.port();
    auto result = makeCpprestTransport()->send(requestTo(redirecting.port(), "GET"));
    ASSERT_FALSE(result.ok()) << location;
    const std::string expected = named == "self" ? "127.0.0.1:" + std::to_string(self) : named;
    EXPECT_NE(result.error().message.find("to " + expected + ";"), std::string::npos) << result.error().message;
    for (const char* hidden : {"sign_in", "x=1", "y=1", "pw"}) {
      EXPECT_EQ(result.error().message.find(hidden), std::string::npos) << result.error().message;
      EXPECT_EQ(result.error().detail.find(hidden), std::string::npos) << result.error().detail;
    }
    EXPECT_EQ(redirecting.heads().size(), 1u);
  }
}

std::string declaredBody(size_t size) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(size) +
         "\r\nConnection: close\r\n\r\n" + std::string(size, 'x');
}

// Chunks of 64 KiB (the last one shorter), so the limit is crossed in the middle of the stream.
std::string chunkedBody(size_t size) {
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n";
  constexpr size_t kChunk = 64 * 1024;
  for (size_t sent = 0; sent < size; sent += kChunk) {
    size_t n = std::min(kChunk, size - sent);
    char sizeLine[32];
    std::snprintf(sizeLine, sizeof(sizeLine), "%zx\r\n", n);
    out += sizeLine;
    out.append(n, 'x');
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST(HttpClientBodyLimit, BodiesUpToTheLimitAreRead) {
  for (auto make : {declaredBody, chunkedBody}) {
    CannedServer server([&](const std::string&) { return make(kLimit); });
    auto result = makeCpprestTransport()->send(requestTo(server.port(), "GET"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->body.size(), kLimit);
  }
}

TEST(HttpClientBodyLimit, OneByteOverTheLimitIsAClearError) {
  for (auto make : {declaredBody, chunkedBody}) {
    CannedServer server([&](const std::string&) { return make(kLimit + 1); });
    auto result = makeCpprestTransport()->send(requestTo(server.port(), "GET"));
    ASSERT_FALSE(result.ok()) << "a body of 16 MiB + 1 was read";
    EXPECT_EQ(result.error().kind, ErrorKind::kProtocol);
    EXPECT_NE(result.error().message.find("larger than 16777216 bytes"), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos);
  }
}

TEST(HttpClientBodyLimit, TheLimitIsAnOption) {
  CannedServer server([](const std::string&) { return chunkedBody(1001); });
  ClientOptions options;
  options.maxBodyBytes = 1000;
  auto result = makeCpprestTransport(options)->send(requestTo(server.port(), "GET"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("larger than 1000 bytes"), std::string::npos) << result.error().message;
}

}  // namespace
}  // namespace patbot::http
