// Both server implementations (cpprest, Beast) and the cpprest client transport against each
// other on loopback; every server test runs once per implementation.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "tests/http/test_sockets.h"

namespace patbot::http {
namespace {

using namespace std::chrono_literals;

// Client behaviour that needs no server of ours.
class HttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<Transport> transport_ = makeCpprestTransport();
};

using ServerFactory = std::unique_ptr<Server> (*)(ServerOptions, RequestHandler);

struct NamedFactory {
  const char* name;
  ServerFactory make;
};

// Names the parameter in test listings (gtest would print its bytes).
void PrintTo(const NamedFactory& factory, std::ostream* out) { *out << factory.name; }

class HttpServerTest : public ::testing::TestWithParam<NamedFactory> {
 protected:
  void startServer(RequestHandler handler, size_t maxBody = 64 * 1024) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.maxBodyBytes = maxBody;
    server_ = GetParam().make(options, std::move(handler));
    Status started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    ASSERT_NE(server_->port(), 0);
  }

  // Starts a server whose handler answers 200 "ok", counting the requests that reach it in calls_
  // and noting the size of the last body in lastBodySize_.
  void startCountingServer() {
    startServer([this](const Request& request) {
      ++calls_;
      lastBodySize_ = request.body.size();
      return Response::text(200, "ok");
    });
  }

  std::string url(const std::string& pathAndQuery) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + pathAndQuery;
  }

  // The server's answer to a GET of `pathAndQuery`; a test failure (and status 0) when none came.
  ClientResponse get(const std::string& pathAndQuery) {
    ClientRequest request;
    request.url = url(pathAndQuery);
    auto result = transport_->send(request);
    EXPECT_TRUE(result.ok()) << result.error().detail;
    return result.ok() ? *result : ClientResponse{};
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  std::unique_ptr<Transport> transport_ = makeCpprestTransport();
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
  std::atomic<size_t> lastBodySize_{0};
};

TEST_P(HttpServerTest, EchoRoundTripKeepsEverything) {
  std::mutex mutex;
  std::optional<Request> seen;
  startServer([&](const Request& request) {
    {
      std::lock_guard lock(mutex);
      seen = request;
    }
    Response response;
    response.status = 201;
    response.headers["content-type"] = "application/octet-stream";
    response.headers["X-Reply"] = "yes";
    response.body = request.body;
    return response;
  });

  std::string binary;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) binary.push_back(static_cast<char>(b));
  }
  ClientRequest request;
  request.method = "PUT";
  request.url = url("/echo/a%20b?x=1&y=%2F+z");
  request.headers["X-Custom-Header"] = "Mixed Case Value";
  request.headers["Content-Type"] = "application/x-test";
  request.body = binary;
  auto result = transport_->send(request);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, binary);
  ASSERT_NE(result->header("x-reply"), nullptr);
  EXPECT_EQ(*result->header("x-reply"), "yes");
  EXPECT_EQ(result->header("X-Reply"), nullptr);

  std::lock_guard lock(mutex);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "PUT");
  EXPECT_EQ(seen->path, "/echo/a b");
  EXPECT_EQ(seen->query, "x=1&y=%2F+z");
  ASSERT_NE(seen->header("x-custom-header"), nullptr);
  EXPECT_EQ(*seen->header("x-custom-header"), "Mixed Case Value");
  ASSERT_NE(seen->header("content-type"), nullptr);
  EXPECT_EQ(*seen->header("content-type"), "application/x-test");
  EXPECT_EQ(seen->header("X-Custom-Header"), nullptr);
  ASSERT_NE(seen->header("user-agent"), nullptr);
  EXPECT_EQ(*seen->header("user-agent"), "patbot");
  EXPECT_EQ(seen->body, binary);
  EXPECT_NE(seen->remote.find("127.0.0.1"), std::string::npos) << seen->remote;
}

TEST_P(HttpServerTest, GetWithoutBodyReachesHandler) {
  startServer([](const Request& request) { return Response::text(200, "got " + request.method + " " + request.path); });
  auto result = get("/healthz");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got GET /healthz");
  ASSERT_NE(result.header("content-type"), nullptr);
  EXPECT_EQ(*result.header("content-type"), "text/plain; charset=utf-8");
}

TEST_P(HttpServerTest, ContentLengthLimitIsInclusive) {
  startCountingServer();
  ClientRequest request;
  request.method = "POST";
  request.url = url("/slack/commands");
  request.body = std::string(65536, 'a');
  auto fits = transport_->send(request);
  ASSERT_TRUE(fits.ok()) << fits.error().detail;
  EXPECT_EQ(fits->status, 200);
  EXPECT_EQ(lastBodySize_.load(), 65536u);
  EXPECT_EQ(calls_.load(), 1);

  request.body = std::string(65537, 'a');
  auto tooBig = transport_->send(request);
  ASSERT_TRUE(tooBig.ok()) << tooBig.error().detail;
  EXPECT_EQ(tooBig->status, 413);
  EXPECT_EQ(calls_.load(), 1);

  request.body = "small";
  auto after = transport_->send(request);
  ASSERT_TRUE(after.ok()) << after.error().detail;
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(calls_.load(), 2);
}

std::string chunkedRequest(size_t chunks, size_t chunkSize) {
  std::string raw =
      "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
  char sizeLine[32];
  std::snprintf(sizeLine, sizeof(sizeLine), "%zx\r\n", chunkSize);
  for (size_t i = 0; i < chunks; ++i) {
    raw += sizeLine;
    raw += std::string(chunkSize, static_cast<char>('a' + i % 26));
    raw += "\r\n";
  }
  raw += "0\r\n\r\n";
  return raw;
}

TEST_P(HttpServerTest, ChunkedBodyOverTheLimitGets413) {
  startCountingServer();
  std::string small = testing::rawExchange(server_->port(), chunkedRequest(4, 1000), 1500, 10s);
  ASSERT_EQ(small.rfind("HTTP/1.1 200", 0), 0u) << small.substr(0, 200);
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(lastBodySize_.load(), 4000u);

  std::string big = testing::rawExchange(server_->port(), chunkedRequest(5, 16 * 1024), 4096, 10s);
  ASSERT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big.substr(0, 200);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_P(HttpServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  startCountingServer();
  auto requestWith = [](size_t padBytes) {
    return "POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(padBytes, 'p') +
           "\r\nContent-Length: 5\r\n\r\nhello";
  };
  // Keep-alive is the default: the 200 leaves the connection open (read times out), the 431 closes it.
  auto start = std::chrono::steady_clock::now();
  std::string big = testing::rawExchange(server_->port(), requestWith(20 * 1024), 4096, 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the 431 must close the connection";
  ASSERT_EQ(big.rfind("HTTP/1.1 431", 0), 0u) << big.substr(0, 200);
  EXPECT_NE(big.find("Connection: close"), std::string::npos) << big;
  EXPECT_EQ(calls_.load(), 0);

  std::string fits = testing::rawExchange(server_->port(), requestWith(8 * 1024), 4096, 1s);
  ASSERT_EQ(fits.rfind("HTTP/1.1 200", 0), 0u) << fits.substr(0, 200);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_P(HttpServerTest, RouterAnswers404And405ThroughTheServer) {
  Router router;
  router.add("POST", "/slack/commands", [](const Request&) { return Response::text(200, "ok"); });
  startServer(router);
  auto wrongMethod = get("/slack/commands");
  EXPECT_EQ(wrongMethod.status, 405);
  ASSERT_NE(wrongMethod.header("allow"), nullptr);
  EXPECT_EQ(*wrongMethod.header("allow"), "POST");

  auto unknown = get("/unknown");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "not found");
}

TEST_P(HttpServerTest, ThrowingHandlerGives500AndServerKeepsServing) {
  startServer([](const Request& request) -> Response {
    if (request.path == "/boom") throw std::runtime_error("handler exploded");
    return Response::text(200, "fine");
  });
  auto failed = get("/boom");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, "internal error");

  auto next = get("/next");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "fine");
}

TEST_P(HttpServerTest, ClientDeadlineIsATotalBound) {
  // Shared with the handler, which may start only after this test body has returned (a loaded
  // machine can dispatch the request later than the client's deadline).
  struct Gate {
    std::mutex mutex;
    std::condition_variable released;
    bool release = false;
  };
  auto gate = std::make_shared<Gate>();
  startServer([gate](const Request&) {
    std::unique_lock lock(gate->mutex);
    gate->released.wait_for(lock, 3s, [&] { return gate->release; });
    return Response::text(200, "late");
  });
  ClientRequest request;
  request.url = url("/slow?token=do-not-log-me");
  request.deadline = 300ms;
  auto begin = std::chrono::steady_clock::now();
  auto result = transport_->send(request);
  auto elapsed = std::chrono::steady_clock::now() - begin;
  {
    std::lock_guard lock(gate->mutex);
    gate->release = true;
  }
  gate->released.notify_all();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kTimeout);
  EXPECT_LT(elapsed, 2s);
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("timed out"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("do-not-log-me"), std::string::npos);
  EXPECT_EQ(result.error().detail.find("do-not-log-me"), std::string::npos);
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port = testing::unusedLoopbackPort();
  ASSERT_NE(port, 0);
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v4/user?private_token=secret-query";
  request.headers["PRIVATE-TOKEN"] = "secret-header";
  request.deadline = 10s;
  auto result = transport_->send(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kUnavailable) << result.error().detail;
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("could not connect"), std::string::npos) << result.error().message;
  for (const std::string& text : {result.error().message, result.error().detail}) {
    EXPECT_EQ(text.find("secret-query"), std::string::npos) << text;
    EXPECT_EQ(text.find("secret-header"), std::string::npos) << text;
  }
}

TEST_F(HttpClientTest, UnknownHostIsUnavailable) {
  ClientRequest request;
  request.url = "http://patbot-no-such-host.invalid/";
  request.deadline = 10s;
  auto result = transport_->send(request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().kind == ErrorKind::kUnavailable || result.error().kind == ErrorKind::kTimeout)
      << errorKindName(result.error().kind) << ": " << result.error().detail;
}

TEST_F(HttpClientTest, InvalidUrlIsAnError) {
  ClientRequest request;
  request.url = "not a url";
  auto result = transport_->send(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kProtocol);
}

TEST_P(HttpServerTest, FiftyConcurrentRequestsAllSucceed) {
  startServer([](const Request& request) { return Response::text(200, "echo " + request.query); });
  constexpr int kThreads = 50;
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(kThreads);
  std::vector<int> statuses(kThreads, 0);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ClientRequest request;
      request.method = "POST";
      request.url = url("/work?n=" + std::to_string(i));
      request.body = std::string(1000 + static_cast<size_t>(i), 'x');
      auto result = transport_->send(request);
      if (result.ok()) {
        statuses[static_cast<size_t>(i)] = result->status;
        bodies[static_cast<size_t>(i)] = result->body;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(statuses[static_cast<size_t>(i)], 200) << i;
    EXPECT_EQ(bodies[static_cast<size_t>(i)], "echo n=" + std::to_string(i));
  }
}

TEST_P(HttpServerTest, StopIsIdempotentAndRefusesAfterwards) {
  startServer([](const Request&) { return Response::text(200, "ok"); });
  uint16_t port = server_->port();
  server_->stop();
  server_->stop();
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.deadline = 5s;
  auto result = transport_->send(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kUnavailable) << result.error().detail;
}

TEST_P(HttpServerTest, StopWaitsForInFlightHandlers) {
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  startServer([&](const Request&) {
    entered = true;
    std::this_thread::sleep_for(500ms);
    finished = true;
    return Response::text(200, "done");
  });
  std::thread caller([&] {
    ClientRequest request;
    request.url = url("/slow");
    request.deadline = 10s;
    (void)transport_->send(request);
  });
  auto waitUntil = std::chrono::steady_clock::now() + 10s;
  while (!entered && std::chrono::steady_clock::now() < waitUntil) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(entered.load());
  server_->stop();
  EXPECT_TRUE(finished.load());
  caller.join();
}

TEST_P(HttpServerTest, BusyFixedPortFailsToStart) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  ServerOptions options;
  options.port = ntohs(addr.sin_port);
  auto server = GetParam().make(options, [](const Request&) { return Response::text(200, "ok"); });
  Status started = server->start();
  ::close(fd);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, ErrorKind::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Servers, HttpServerTest,
                         ::testing::Values(NamedFactory{"Cpprest", &makeCpprestServer},
                                           NamedFactory{"Beast", &makeBeastServer}),
                         [](const ::testing::TestParamInfo<NamedFactory>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace patbot::http
