// connectWebSocket against a real Beast WebSocket server on loopback (test_websocket_server.h):
// messages both ways, every way a connection ends, and the bounds on opening and closing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/websocket_client.h"
#include "tests/http/test_sockets.h"
#include "tests/http/test_websocket_server.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;
using testing::TestWebSocketServer;
using Clock = std::chrono::steady_clock;

// Socket Mode URLs carry a ticket in the query; no message or detail may show it.
const std::string kTicketPath = "/link/?ticket=secret123&app_id=A1";

void expectNoTicket(const Error& error) {
  for (const std::string& text : {error.message, error.detail}) {
    EXPECT_EQ(text.find("secret123"), std::string::npos) << text;
    EXPECT_EQ(text.find("ticket"), std::string::npos) << text;
  }
}

WebSocketOptions quickOptions() {
  WebSocketOptions options;
  options.connectTimeout = 2s;
  options.idleTimeout = 5s;
  return options;
}

std::unique_ptr<WebSocket> connectTo(const std::string& url, const WebSocketOptions& options = quickOptions()) {
  auto socket = connectWebSocket(url, options);
  EXPECT_TRUE(socket.ok()) << (socket.ok() ? "" : socket.error().message + " / " + socket.error().detail);
  return socket.ok() ? std::move(socket.value()) : nullptr;
}

long long millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

TEST(WebSocketClient, SendAndReadRoundTripWithPathQueryAndUserAgent) {
  TestWebSocketServer server;
  WebSocketOptions options = quickOptions();
  options.userAgent = "patbot-test/1";
  auto socket = connectTo(server.url(kTicketPath), options);
  ASSERT_TRUE(socket);
  ASSERT_TRUE(socket->send("hello").ok());
  auto answer = socket->read();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(*answer, "hello");
  EXPECT_EQ(server.targets(), std::vector<std::string>{kTicketPath});
  EXPECT_EQ(server.userAgents(), std::vector<std::string>{"patbot-test/1"});
}

TEST(WebSocketClient, MessagesArriveInOrder) {
  TestWebSocketServer server;
  auto socket = connectTo(server.url());
  ASSERT_TRUE(socket);
  ASSERT_TRUE(server.waitForConnections(1, 2s));
  for (int i = 0; i < 200; ++i) server.send("m" + std::to_string(i));
  for (int i = 0; i < 200; ++i) {
    auto message = socket->read();
    ASSERT_TRUE(message.ok()) << message.error().message;
    ASSERT_EQ(*message, "m" + std::to_string(i));
  }
}

TEST(WebSocketClient, PeerCloseEndsReadNamingTheCloseAndLaterCallsFailAtOnce) {
  TestWebSocketServer server;
  auto socket = connectTo(server.url(kTicketPath));
  ASSERT_TRUE(socket);
  ASSERT_TRUE(server.waitForConnections(1, 2s));
  server.closeWith(1001, "server restart");
  auto ended = socket->read();
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(ended.error().message.find("closed by the peer (1001 going away)"), std::string::npos)
      << ended.error().message;
  EXPECT_NE(ended.error().message.find("127.0.0.1"), std::string::npos) << ended.error().message;
  expectNoTicket(ended.error());

  auto start = Clock::now();
  auto again = socket->read();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, ended.error().message);
  Status sent = socket->send("too late");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().message, ended.error().message);
  EXPECT_LT(millisSince(start), 200);
}

TEST(WebSocketClient, SilentPeerIsDeadWithinTheIdleTimeout) {
  TestWebSocketServer::Options behaviour;
  behaviour.echo = false;
  behaviour.greeting = {"hello"};
  behaviour.silentAfterGreeting = true;   // then no frame at all, not even a pong
  TestWebSocketServer server(behaviour);
  WebSocketOptions options = quickOptions();
  options.idleTimeout = 600ms;
  auto socket = connectTo(server.url(kTicketPath), options);
  ASSERT_TRUE(socket);
  auto hello = socket->read();
  ASSERT_TRUE(hello.ok()) << hello.error().message;
  auto start = Clock::now();
  auto dead = socket->read();
  long long waited = millisSince(start);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(dead.error().message.find("no frame for 0.6 s: the connection is dead"), std::string::npos)
      << dead.error().message;
  EXPECT_GE(waited, 250) << "the first idle ping goes out at idleTimeout / 2; death needs its pong to be missing";
  EXPECT_LE(waited, 600 + 400);
  expectNoTicket(dead.error());
}

TEST(WebSocketClient, QuietPeerThatAnswersPingsStaysOpen) {
  TestWebSocketServer server;   // reads (so answers pings) but sends nothing unprompted
  WebSocketOptions options = quickOptions();
  options.idleTimeout = 400ms;
  auto socket = connectTo(server.url(), options);
  ASSERT_TRUE(socket);
  std::this_thread::sleep_for(1500ms);   // several idle periods: kept alive by ping and pong
  ASSERT_TRUE(socket->send("still there?").ok());
  auto answer = socket->read();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(*answer, "still there?");
}

TEST(WebSocketClient, AbruptDropEndsRead) {
  TestWebSocketServer server;
  auto socket = connectTo(server.url(kTicketPath));
  ASSERT_TRUE(socket);
  ASSERT_TRUE(server.waitForConnections(1, 2s));
  auto start = Clock::now();
  server.drop();
  auto ended = socket->read();
  ASSERT_FALSE(ended.ok());
  EXPECT_LT(millisSince(start), 1000);
  EXPECT_EQ(ended.error().kind, ErrorKind::kUnavailable);
  const std::string& message = ended.error().message;
  EXPECT_TRUE(message.find("reset by the peer") != std::string::npos ||
              message.find("dropped by the peer without a close frame") != std::string::npos)
      << message;
  expectNoTicket(ended.error());
}

TEST(WebSocketClient, CloseFromAnotherThreadUnblocksReadAndIsIdempotent) {
  TestWebSocketServer server;
  auto socket = connectTo(server.url());
  ASSERT_TRUE(socket);
  auto reader = std::async(std::launch::async, [&] { return socket->read(); });
  ASSERT_EQ(reader.wait_for(200ms), std::future_status::timeout) << "read() returned with nothing to read";
  auto start = Clock::now();
  socket->close();
  EXPECT_LT(millisSince(start), 1500) << "close() waits a second at most for the peer";
  ASSERT_EQ(reader.wait_for(1s), std::future_status::ready);
  auto ended = reader.get();
  ASSERT_FALSE(ended.ok());
  EXPECT_NE(ended.error().message.find("closed locally"), std::string::npos) << ended.error().message;
  start = Clock::now();
  socket->close();
  EXPECT_LT(millisSince(start), 100);
  EXPECT_FALSE(socket->send("after close").ok());
}

TEST(WebSocketClient, CloseDoesNotWaitLongForASilentPeer) {
  TestWebSocketServer::Options behaviour;
  behaviour.silentAfterGreeting = true;   // never answers our close frame
  TestWebSocketServer server(behaviour);
  auto socket = connectTo(server.url());
  ASSERT_TRUE(socket);
  ASSERT_TRUE(server.waitForConnections(1, 2s));
  auto start = Clock::now();
  socket->close();
  EXPECT_LT(millisSince(start), 1600);
  socket.reset();   // the destructor after close(): no further wait
  EXPECT_LT(millisSince(start), 1700);
}

TEST(WebSocketClient, DestructorClosesAnOpenConnection) {
  TestWebSocketServer server;
  auto socket = connectTo(server.url());
  ASSERT_TRUE(socket);
  ASSERT_TRUE(socket->send("one").ok());
  ASSERT_TRUE(server.waitForReceived(1, 2s));
  auto start = Clock::now();
  socket.reset();
  EXPECT_LT(millisSince(start), 1500);
}

TEST(WebSocketClient, ClosedPortFailsFast) {
  uint16_t port = testing::unusedLoopbackPort();
  auto start = Clock::now();
  auto socket = connectWebSocket("ws://127.0.0.1:" + std::to_string(port) + kTicketPath, quickOptions());
  ASSERT_FALSE(socket.ok());
  EXPECT_LT(millisSince(start), 1000);
  EXPECT_EQ(socket.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(socket.error().message.find("could not connect to 127.0.0.1"), std::string::npos)
      << socket.error().message;
  expectNoTicket(socket.error());
}

TEST(WebSocketClient, ConnectTimeoutBoundsAServerThatNeverAnswersTheUpgrade) {
  // The kernel completes the TCP handshake for a listening socket nobody accepts from.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t length = sizeof(addr);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  WebSocketOptions options = quickOptions();
  options.connectTimeout = 500ms;
  auto start = Clock::now();
  auto socket = connectWebSocket("ws://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + kTicketPath, options);
  long long waited = millisSince(start);
  ::close(listener);
  ASSERT_FALSE(socket.ok());
  EXPECT_GE(waited, 450);
  EXPECT_LT(waited, 1200);
  EXPECT_EQ(socket.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(socket.error().message.find("timed out after 0.5 s (the upgrade)"), std::string::npos)
      << socket.error().message;
  expectNoTicket(socket.error());
}

TEST(WebSocketClient, MessageOverTheLimitFails) {
  TestWebSocketServer server;
  WebSocketOptions options = quickOptions();
  options.maxMessageBytes = 1024;
  auto socket = connectTo(server.url(), options);
  ASSERT_TRUE(socket);
  ASSERT_TRUE(server.waitForConnections(1, 2s));
  server.send(std::string(1024, 'a'));
  server.send(std::string(1025, 'b'));
  auto fits = socket->read();
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits->size(), 1024u);
  auto tooLarge = socket->read();
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_EQ(tooLarge.error().kind, ErrorKind::kProtocol);
  EXPECT_NE(tooLarge.error().message.find("over 1024 bytes"), std::string::npos) << tooLarge.error().message;
}

TEST(WebSocketClient, ConcurrentSendsAllArriveIntact) {
  TestWebSocketServer::Options behaviour;
  behaviour.echo = false;
  TestWebSocketServer server(behaviour);
  auto socket = connectTo(server.url());
  ASSERT_TRUE(socket);
  constexpr int kThreads = 6;
  constexpr int kEach = 40;
  const std::string padding(3000, 'x');   // several TCP segments' worth in flight at once
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Status sent = socket->send(std::to_string(t) + ":" + std::to_string(i) + ":" + padding);
        ASSERT_TRUE(sent.ok()) << sent.error().message;
      }
    });
  }
  for (auto& sender : senders) sender.join();
  ASSERT_TRUE(server.waitForReceived(kThreads * kEach, 5s));
  std::map<int, int> nextOf;   // per sender, its messages arrive in the order sent
  for (const std::string& message : server.received()) {
    size_t first = message.find(':');
    size_t second = message.find(':', first + 1);
    ASSERT_NE(second, std::string::npos) << message.substr(0, 40);
    ASSERT_EQ(message.substr(second + 1), padding) << "a message arrived torn or mixed";
    int sender = std::stoi(message.substr(0, first));
    int index = std::stoi(message.substr(first + 1, second - first - 1));
    EXPECT_EQ(index, nextOf[sender]++) << "sender " << sender;
  }
  EXPECT_EQ(server.received().size(), static_cast<size_t>(kThreads * kEach));
}

TEST(WebSocketClient, RefusesUrlsThatAreNotWebSocketUrls) {
  for (const char* url : {"https://example.com/link?ticket=secret123", "ws://", "wss://user:secret123@h/x"}) {
    auto socket = connectWebSocket(url, quickOptions());
    ASSERT_FALSE(socket.ok()) << url;
    EXPECT_EQ(socket.error().kind, ErrorKind::kInvalidInput) << url;
    expectNoTicket(socket.error());
  }
}

TEST(WebSocketClient, UpgradeRefusedByAPlainHttpServerNamesTheStatus) {
  // A WebSocket client talking to something that is not a WebSocket server.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t length = sizeof(addr);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  std::thread server([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    std::string head;
    testing::readUntil(c, "\r\n\r\n", head);
    testing::sendAllBytes(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ::close(c);
  });
  auto socket = connectWebSocket("ws://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + kTicketPath,
                                 quickOptions());
  server.join();
  ::close(listener);
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(socket.error().httpStatus, 404);
  EXPECT_NE(socket.error().message.find("HTTP 404"), std::string::npos) << socket.error().message;
  expectNoTicket(socket.error());
}

}  // namespace
}  // namespace patbot::http
