// Both clients through an HTTP proxy (connect_proxy.h): the WebSocket client with CONNECT, the
// cpprest transport with absolute-form requests for http://; NO_PROXY goes around the proxy, and
// a proxy's refusal is an error that names the proxy and its status.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/client.h"
#include "http/websocket_client.h"
#include "tests/http/canned_server.h"
#include "tests/http/connect_proxy.h"
#include "tests/http/test_websocket_server.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;
using testing::CannedServer;
using testing::ConnectProxy;
using testing::TestWebSocketServer;

WebSocketOptions throughProxy(const ConnectProxy& proxy, const std::string& noProxy = "") {
  WebSocketOptions options;
  options.connectTimeout = 2s;
  options.idleTimeout = 5s;
  options.proxy.httpProxy = proxy.url();    // ws:// uses HTTP_PROXY
  options.proxy.httpsProxy = proxy.url();
  options.proxy.noProxy = noProxy;
  return options;
}

TEST(WebSocketThroughProxy, TunnelsWithConnect) {
  TestWebSocketServer server;
  ConnectProxy proxy;
  auto socket = connectWebSocket(server.url("/link/?ticket=secret123"), throughProxy(proxy));
  ASSERT_TRUE(socket.ok()) << socket.error().message << " / " << socket.error().detail;
  ASSERT_TRUE((*socket)->send("via proxy").ok());
  auto answer = (*socket)->read();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(*answer, "via proxy");
  EXPECT_EQ(proxy.requests(), std::vector<std::string>{"CONNECT 127.0.0.1:" + std::to_string(server.port())});
  EXPECT_EQ(server.targets(), std::vector<std::string>{"/link/?ticket=secret123"});
}

TEST(WebSocketThroughProxy, NoProxyGoesDirect) {
  TestWebSocketServer server;
  ConnectProxy proxy;
  auto socket = connectWebSocket(server.url(), throughProxy(proxy, "localhost, 127.0.0.1"));
  ASSERT_TRUE(socket.ok()) << socket.error().message;
  ASSERT_TRUE((*socket)->send("direct").ok());
  ASSERT_TRUE((*socket)->read().ok());
  EXPECT_TRUE(proxy.requests().empty());
}

TEST(WebSocketThroughProxy, RefusalNamesTheProxyAndStatus) {
  TestWebSocketServer server;
  ConnectProxy proxy;
  proxy.refuseWith(403);
  auto socket = connectWebSocket(server.url("/link/?ticket=secret123"), throughProxy(proxy));
  ASSERT_FALSE(socket.ok());
  const Error& e = socket.error();
  EXPECT_EQ(e.kind, ErrorKind::kUnavailable);
  EXPECT_EQ(e.httpStatus, 403);
  EXPECT_NE(e.message.find("proxy 127.0.0.1:" + std::to_string(proxy.port())), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("HTTP 403"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("secret123"), std::string::npos) << e.message;
  EXPECT_EQ(e.detail.find("secret123"), std::string::npos) << e.detail;
  EXPECT_TRUE(server.targets().empty());
}

TEST(WebSocketThroughProxy, UnusableProxySettingIsAConfigErrorNotADirectConnection) {
  TestWebSocketServer server;
  WebSocketOptions options;
  options.proxy.httpProxy = "https://proxy.corp:3128";
  auto socket = connectWebSocket(server.url(), options);
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(server.targets().empty());
}

std::string okAnswer(const std::string&) {
  return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
}

ClientRequest getFrom(uint16_t port) {
  ClientRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v4/version?x=1";
  request.deadline = 5s;
  return request;
}

TEST(CpprestThroughProxy, PlainHttpGoesThroughTheProxy) {
  CannedServer server(okAnswer);
  ConnectProxy proxy;
  ClientOptions options;
  options.proxy.httpProxy = proxy.url();
  auto transport = makeCpprestTransport(options);
  for (const char* method : {"GET", "POST"}) {   // the pooled and the one-off client
    ClientRequest request = getFrom(server.port());
    request.method = method;
    auto response = transport->send(request);
    ASSERT_TRUE(response.ok()) << method << ": " << response.error().message << " / " << response.error().detail;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "ok");
  }
  const std::string target = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v4/version?x=1";
  EXPECT_EQ(proxy.requests(), (std::vector<std::string>{"GET " + target, "POST " + target}));
  ASSERT_EQ(server.heads().size(), 2u);
  EXPECT_EQ(server.heads()[0].rfind("GET /api/v4/version?x=1 HTTP/1.1", 0), 0u) << server.heads()[0];
}

TEST(CpprestThroughProxy, NoProxyGoesDirect) {
  CannedServer server(okAnswer);
  ConnectProxy proxy;
  ClientOptions options;
  options.proxy.httpProxy = proxy.url();
  options.proxy.noProxy = "127.0.0.1:" + std::to_string(server.port());
  auto transport = makeCpprestTransport(options);
  auto response = transport->send(getFrom(server.port()));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->body, "ok");
  EXPECT_TRUE(proxy.requests().empty());
  EXPECT_EQ(server.heads().size(), 1u);
}

TEST(CpprestThroughProxy, HttpsUsesConnectToTheDestination) {
  // No TLS server here: what matters is that the tunnel was asked for, to the right place, and
  // that the failure (the proxy's 403) comes back as an error rather than a direct connection.
  ConnectProxy proxy;
  proxy.refuseWith(403);
  ClientOptions options;
  options.proxy.httpsProxy = proxy.url();
  auto transport = makeCpprestTransport(options);
  ClientRequest request;
  request.method = "GET";
  request.url = "https://gitlab.example.invalid:8443/api/v4/version";
  request.deadline = 5s;
  auto response = transport->send(request);
  ASSERT_FALSE(response.ok()) << "status " << response->status;
  EXPECT_NE(response.error().detail.find("via the proxy 127.0.0.1:" + std::to_string(proxy.port())),
            std::string::npos)
      << response.error().detail;
  EXPECT_EQ(proxy.requests(), std::vector<std::string>{"CONNECT gitlab.example.invalid:8443"});
}

TEST(CpprestThroughProxy, UnusableProxySettingIsAConfigError) {
  CannedServer server(okAnswer);
  ClientOptions options;
  options.proxy.httpProxy = "socks5://proxy:1080";
  auto transport = makeCpprestTransport(options);
  auto response = transport->send(getFrom(server.port()));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(server.heads().empty());
}

}  // namespace
}  // namespace patbot::http
