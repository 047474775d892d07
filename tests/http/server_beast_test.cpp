// What the Beast server adds over the cpprest listener (http/server_beast.cpp): deadlines on
// heads, bodies and idle keep-alive connections, a connection cap, heads over the limit refused
// while they arrive, 100-continue, pipelining, and stop() closing idle connections. The shared
// request/answer behaviour is tested for both servers in server_client_test.cpp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/test_sockets.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class BeastServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = makeBeastServer(options, [this](const Request& request) {
      ++calls_;
      return Response::text(200, "seen " + request.path + " " + std::to_string(request.body.size()));
    });
    Status started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  // Time until the server closes `fd` (reading and dropping whatever it sends), at most `limit`.
  static std::chrono::milliseconds timeUntilClosed(int fd, std::chrono::milliseconds limit, std::string* got = nullptr) {
    auto begin = Clock::now();
    std::string received;
    testing::readUntil(fd, "\x01never\x02", received);   // returns on close or on the read timeout
    if (got) *got = received;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
    return std::min(elapsed, limit);
  }

  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
};

TEST_F(BeastServerTest, SilentAndTricklingConnectionsAreClosedAtTheirDeadlines) {
  ServerOptions options;
  options.idleTimeout = 600ms;
  options.headTimeout = 400ms;
  start(options);
  int silent = testing::connectWithTimeout(server_->port(), 5s);
  int trickling = testing::connectWithTimeout(server_->port(), 5s);
  ASSERT_GE(silent, 0);
  ASSERT_GE(trickling, 0);
  ASSERT_TRUE(testing::sendAllBytes(trickling, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  std::thread dribble([trickling] {
    for (int i = 0; i < 20; ++i) {   // a byte every 100 ms: the deadline is for the whole head
      if (!testing::sendAllBytes(trickling, "a")) return;
      std::this_thread::sleep_for(100ms);
    }
  });
  std::string answer;
  EXPECT_LT(timeUntilClosed(silent, 5s, &answer), 3s);
  EXPECT_EQ(answer, "") << "a stalled peer is closed without an answer";
  EXPECT_LT(timeUntilClosed(trickling, 5s, &answer), 3s);
  EXPECT_EQ(answer, "");
  dribble.join();
  ::close(silent);
  ::close(trickling);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(BeastServerTest, ABodyThatStopsArrivingIsClosedAtTheBodyDeadline) {
  ServerOptions options;
  options.bodyTimeout = 400ms;
  start(options);
  int fd = testing::connectWithTimeout(server_->port(), 5s);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::sendAllBytes(fd, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some"));
  std::string answer;
  EXPECT_LT(timeUntilClosed(fd, 5s, &answer), 3s);
  EXPECT_EQ(answer, "");
  ::close(fd);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(BeastServerTest, ConnectionsOverTheCapAreClosedAndServiceResumesBelowIt) {
  ServerOptions options;
  options.maxConnections = 3;
  start(options);
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    int fd = testing::connectWithTimeout(server_->port(), 5s);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
    // One answered request each: the server has certainly accepted and kept the connection.
    std::string got;
    ASSERT_TRUE(testing::sendAllBytes(fd, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(testing::readUntil(fd, "seen /held 0", got)) << got;
  }
  std::string refused = testing::rawExchange(server_->port(), "GET /over HTTP/1.1\r\nHost: x\r\n\r\n", 4096, 3s);
  EXPECT_EQ(refused, "") << "the fourth connection is closed unanswered";
  ::close(held.back());
  held.pop_back();
  std::string answered;
  for (int attempt = 0; attempt < 50 && answered.empty(); ++attempt) {   // the close reaches the server
    answered = testing::rawExchange(server_->port(), "GET /under HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                    4096, 3s);
    if (answered.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(answered.rfind("HTTP/1.1 200", 0), 0u) << answered;
  for (int fd : held) ::close(fd);
}

TEST_F(BeastServerTest, AHeadFarOverTheLimitIsRefusedWhileItArrives) {
  start();
  // 1 MiB of one header: refused with 431 once 16 KiB are in, not after buffering it all.
  std::string huge = "GET / HTTP/1.1\r\nHost: x\r\nX-Huge: " + std::string(1024 * 1024, 'h') + "\r\n\r\n";
  std::string answer = testing::rawExchange(server_->port(), huge, 16 * 1024, 10s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(BeastServerTest, ExpectContinueGets100BeforeTheBodyAndNotWhenRefused) {
  start();
  int fd = testing::connectWithTimeout(server_->port(), 5s);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::sendAllBytes(fd, "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::string got;
  ASSERT_TRUE(testing::readUntil(fd, "\r\n\r\n", got)) << got;
  EXPECT_EQ(got.rfind("HTTP/1.1 100", 0), 0u) << got;
  got.clear();
  ASSERT_TRUE(testing::sendAllBytes(fd, "hello"));
  ASSERT_TRUE(testing::readUntil(fd, "seen /up 5", got)) << got;
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  ::close(fd);

  std::string refused = testing::rawExchange(
      server_->port(), "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n", 4096, 5s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 413", 0), 0u) << refused;
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(BeastServerTest, PipelinedRequestsOnOneConnectionAreAnsweredInOrder) {
  start();
  std::string two =
      "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answer = testing::rawExchange(server_->port(), two, 4096, 5s);
  size_t first = answer.find("seen /first 3");
  size_t second = answer.find("seen /second 0");
  ASSERT_NE(first, std::string::npos) << answer;
  ASSERT_NE(second, std::string::npos) << answer;
  EXPECT_LT(first, second);
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(BeastServerTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  start();
  int fd = testing::connectWithTimeout(server_->port(), 5s);
  ASSERT_GE(fd, 0);
  std::string got;
  ASSERT_TRUE(testing::sendAllBytes(fd, "GET /kept HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(testing::readUntil(fd, "seen /kept 0", got)) << got;
  auto begin = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - begin, 1500ms) << "stop() must not wait for the idle deadline";
  EXPECT_LT(timeUntilClosed(fd, 5s), 1s);
  ::close(fd);
}

TEST_F(BeastServerTest, HttpTenWithoutKeepAliveIsClosedAfterTheAnswer) {
  start();
  std::string answer = testing::rawExchange(server_->port(), "GET /old HTTP/1.0\r\n\r\n", 4096, 5s);
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("seen /old 0"), std::string::npos);
}

}  // namespace
}  // namespace patbot::http
