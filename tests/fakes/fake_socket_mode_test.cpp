// Socket Mode of the simulated Slack (sim/fake_socket_mode.h, fake_socket_routes.cpp, the
// apps.connections.open method) and the WebSocket server under it (http/websocket_server.h), over
// real loopback sockets. The client is a small Beast WebSocket client written here (the http/
// client is not a dependency of the fake's tests).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/fake_slack.h"
#include "sim/fake_socket_wire.h"

namespace patbot::fakes {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kAppToken = "xapp-1-A0PATBOT001-0000-fake";
constexpr const char* kBotToken = "xoxb-test-0000-patbot";

// What the client saw, in order.
struct WsEvent {
  enum Kind { kText, kPing, kPong, kClosed } kind = kText;
  std::string text;       // kText: the message; kClosed: the error that ended the read
  uint16_t closeCode = 0;  // kClosed: the server's close code, 0 when TCP ended without one
};

// A WebSocket client on its own I/O thread: the handshake is synchronous, then one read is always
// pending (its events queue up for next()) and writes go out one at a time. With autoAck, every
// text frame carrying an envelope_id is acked at once from the I/O thread.
class TestWsClient {
 public:
  // Connects to ws://HOST:PORT/PATH?QUERY. On a refused upgrade, returns nullptr and sets
  // *refusedStatus to the HTTP status.
  static std::unique_ptr<TestWsClient> connect(const std::string& url, int* refusedStatus = nullptr,
                                               bool autoAck = false) {
    auto client = std::unique_ptr<TestWsClient>(new TestWsClient(autoAck));
    std::string rest = url.substr(std::string("ws://").size());
    size_t slash = rest.find('/');
    std::string hostPort = rest.substr(0, slash);
    std::string target = rest.substr(slash);
    size_t colon = hostPort.rfind(':');
    tcp::resolver resolver(client->io_);
    auto endpoints = resolver.resolve(hostPort.substr(0, colon), hostPort.substr(colon + 1));
    net::connect(beast::get_lowest_layer(client->ws_), endpoints);
    websocket::response_type response;
    beast::error_code ec;
    client->ws_.handshake(response, hostPort, target, ec);
    if (ec) {
      if (refusedStatus) *refusedStatus = static_cast<int>(response.result_int());
      return nullptr;
    }
    client->start();
    return client;
  }

  ~TestWsClient() {
    if (!thread_.joinable()) return;  // the handshake failed: nothing runs
    net::post(io_, [this] {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).close(ignored);
    });
    thread_.join();
  }

  // The next event, or nullopt when none came within `timeout`.
  std::optional<WsEvent> next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!changed_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
    WsEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  // The next text frame as JSON, skipping pings and pongs; nullopt on timeout or close.
  std::optional<json> nextJson(std::chrono::milliseconds timeout = 5000ms) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      auto e = next(std::max(left, 0ms));
      if (!e || e->kind == WsEvent::kClosed) return std::nullopt;
      if (e->kind == WsEvent::kText) return json::parse(e->text);
    }
  }
  // Waits for the connection to end (skipping other events); the kClosed event or nullopt.
  std::optional<WsEvent> waitClosed(std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      auto e = next(std::max(left, 0ms));
      if (!e || e->kind == WsEvent::kClosed) return e;
    }
  }
  // True when an event of `kind` arrives within `timeout` (others are dropped).
  bool saw(WsEvent::Kind kind, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      auto e = next(std::max(left, 0ms));
      if (!e) return false;
      if (e->kind == kind) return true;
    }
  }

  void send(std::string text) {
    std::promise<void> done;
    net::post(io_, [&] {
      enqueue(Out{false, std::move(text)});
      done.set_value();
    });
    done.get_future().wait();
  }
  void ack(const std::string& envelopeId, const std::optional<json>& payload = std::nullopt) {
    json a = {{"envelope_id", envelopeId}};
    if (payload) a["payload"] = *payload;
    send(a.dump());
  }
  void ping() {
    std::promise<void> done;
    net::post(io_, [&] {
      enqueue(Out{true, "client-ping"});
      done.set_value();
    });
    done.get_future().wait();
  }
  // A clean close: close frame, then the server's answer.
  void close() {
    std::promise<void> done;
    net::post(io_, [&] {
      ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { done.set_value(); });
    });
    done.get_future().wait_for(5s);
  }
  // TCP close without a close frame.
  void dropTcp() {
    std::promise<void> done;
    net::post(io_, [&] {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).close(ignored);
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  struct Out {
    bool ping = false;
    std::string data;
  };

  explicit TestWsClient(bool autoAck) : ws_(io_), autoAck_(autoAck) {}

  void start() {
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) push(WsEvent{WsEvent::kPing, "", 0});
      if (kind == websocket::frame_type::pong) push(WsEvent{WsEvent::kPong, "", 0});
    });
    read();
    thread_ = std::thread([this] { io_.run(); });
  }

  void read() {
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
      if (ec) {
        push(WsEvent{WsEvent::kClosed, ec.message(), static_cast<uint16_t>(ws_.reason().code)});
        return;
      }
      std::string text = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      if (autoAck_) {
        auto j = json::parse(text, nullptr, false);
        if (j.is_object() && j.contains("envelope_id")) {
          enqueue(Out{false, json{{"envelope_id", j["envelope_id"]}, {"payload", {{"text", "ok"}}}}.dump()});
        }
      }
      push(WsEvent{WsEvent::kText, std::move(text), 0});
      read();
    });
  }

  void enqueue(Out out) {
    queue_.push_back(std::move(out));
    if (queue_.size() == 1) writeNext();
  }
  void writeNext() {
    if (queue_.empty()) return;
    auto done = [this](beast::error_code, size_t = 0) {
      queue_.pop_front();
      writeNext();
    };
    if (queue_.front().ping) {
      ws_.async_ping(websocket::ping_data(queue_.front().data.c_str()), [done](beast::error_code ec) { done(ec); });
    } else {
      ws_.text(true);
      ws_.async_write(net::buffer(queue_.front().data), done);
    }
  }

  void push(WsEvent e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
    changed_.notify_all();
  }

  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  bool autoAck_;
  beast::flat_buffer buffer_;
  std::deque<Out> queue_;  // I/O thread only
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<WsEvent> events_;
};

// Socket Mode needs no HTTP transport; anything sent over HTTP fails as unreachable.
class NoTransport final : public http::Transport {
 public:
  Result<http::ClientResponse> send(const http::ClientRequest&) override {
    ++sent;
    return Error::make(ErrorKind::kUnavailable, "no HTTP in this test");
  }
  std::atomic<int> sent{0};
};

class FakeSocketModeTest : public ::testing::Test {
 protected:
  FakeSocketModeTest()
      : clock_(TimePoint(std::chrono::seconds(1700000000))), slack_(makeOptions(), clock_, transport_) {}

  static FakeSlackOptions makeOptions() {
    FakeSlackOptions o;
    o.signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    o.botToken = kBotToken;
    o.appToken = kAppToken;
    o.selfBaseUrl = "http://127.0.0.1:7777";
    o.botCommandsUrl = "http://127.0.0.1:9/slack/commands";
    o.botInteractionsUrl = "http://127.0.0.1:9/slack/interactions";
    return o;
  }

  http::Response call(const std::string& method, const std::string& path, const std::string& body = "",
                      http::Headers headers = {}) {
    http::Request r;
    r.method = method;
    r.path = path;
    r.headers = std::move(headers);
    r.body = body;
    return slack_.handle(r);
  }
  json control(const std::string& method, const std::string& path, const json& body = json::object(),
               int expectStatus = 200) {
    auto res = call(method, path, body.dump(), {{"content-type", "application/json"}});
    EXPECT_EQ(res.status, expectStatus) << path << " " << res.body;
    return json::parse(res.body, nullptr, false);
  }
  // apps.connections.open with `authorization` as the header ("" = none).
  http::Response open(const std::string& authorization = std::string("Bearer ") + kAppToken) {
    http::Headers h{{"content-type", "application/x-www-form-urlencoded"}};
    if (!authorization.empty()) h["authorization"] = authorization;
    return call("POST", "/api/apps.connections.open", "", h);
  }
  std::string freshUrl() {
    auto res = open();
    auto body = json::parse(res.body);
    EXPECT_TRUE(body.value("ok", false)) << res.body;
    return body.value("url", "");
  }
  // A connection that has read its hello.
  std::unique_ptr<TestWsClient> connected(bool autoAck = false) {
    auto client = TestWsClient::connect(freshUrl(), nullptr, autoAck);
    EXPECT_TRUE(client);
    if (!client) return client;
    auto hello = client->nextJson();
    EXPECT_TRUE(hello && (*hello)["type"] == "hello") << (hello ? hello->dump() : "no hello");
    return client;
  }
  json connection(int64_t id) {
    for (const auto& c : control("GET", "/_fake/socket/connections")["connections"]) {
      if (c["id"] == id) return c;
    }
    ADD_FAILURE() << "no connection " << id;
    return json::object();
  }
  // Polls the connection listing until connection `id` is closed (or 5 s pass).
  json closedConnection(int64_t id) {
    auto until = std::chrono::steady_clock::now() + 5s;
    json c;
    do {
      c = connection(id);
      if (c["state"] == "closed") return c;
      std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < until);
    return c;
  }
  // Runs a control POST on another thread (it waits for an ack the test gives).
  std::future<json> postAsync(const std::string& path, json body) {
    return std::async(std::launch::async, [this, path, body] { return control("POST", path, body); });
  }

  FakeClock clock_;
  NoTransport transport_;
  FakeSlack slack_;
};

// --- apps.connections.open ------------------------------------------------------------------------

TEST_F(FakeSocketModeTest, ConnectionsOpenChecksTheAppTokenInTheHeader) {
  auto good = open();
  EXPECT_EQ(good.status, 200);
  auto body = json::parse(good.body);
  EXPECT_EQ(body["ok"], true);
  std::string url = body["url"];
  std::string prefix = "ws://127.0.0.1:" + std::to_string(slack_.socketPort()) + "/link/?ticket=";
  EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
  EXPECT_NE(url.find(std::string("&app_id=") + kFakeAppId), std::string::npos) << url;
  EXPECT_NE(freshUrl(), url) << "every call mints a new ticket";

  EXPECT_EQ(json::parse(open("").body), json({{"ok", false}, {"error", "not_authed"}}));
  EXPECT_EQ(json::parse(open("Bearer xapp-1-wrong").body)["error"], "invalid_auth");
  EXPECT_EQ(json::parse(open(std::string("Bearer ") + kBotToken).body)["error"], "invalid_auth");
  // The token as a form field does not count: it goes in the header.
  auto formToken = call("POST", "/api/apps.connections.open", std::string("token=") + kAppToken,
                        {{"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(json::parse(formToken.body)["error"], "not_authed");

  auto calls = control("GET", "/_fake/calls");
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls[0]["method"], "apps.connections.open");
  EXPECT_EQ(calls[0]["error"], nullptr);
  EXPECT_EQ(calls[2]["error"], "not_authed");
  EXPECT_EQ(calls[3]["error"], "invalid_auth");
  EXPECT_EQ(calls.dump().find("xapp-"), std::string::npos) << "no token in the call log";
}

TEST_F(FakeSocketModeTest, ConnectionsOpenFaults) {
  control("POST", "/_fake/fault",
          {{"post_fail", "ratelimited"}, {"count", 1}, {"method", "apps.connections.open"}, {"retry_after", 7}});
  auto limited = open();
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "7");
  EXPECT_EQ(json::parse(limited.body)["error"], "ratelimited");
  EXPECT_EQ(open().status, 200) << "count 1: the next call goes through";

  for (const char* fatal : {"account_inactive", "not_authed", "invalid_auth"}) {
    control("POST", "/_fake/fault", {{"post_fail", fatal}, {"count", 1}, {"method", "apps.connections.open"}});
    auto res = open();
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(json::parse(res.body), json({{"ok", false}, {"error", fatal}}));
  }
  control("POST", "/_fake/fault", {{"post_fail", "down"}, {"count", 1}});
  EXPECT_EQ(open().status, 503);

  // Ratelimited without retry_after: Retry-After 1.
  control("POST", "/_fake/fault", {{"post_fail", "ratelimited"}, {"count", 1}});
  EXPECT_EQ(open().headers["retry-after"], "1");

  control("POST", "/_fake/schedule",
          {{"schedule", {{{"via", "apps.connections.open"}, {"occurrence", 2}, {"action", "ratelimited"},
                          {"retry_after", 3}}}}});
  EXPECT_EQ(open().status, 200);
  auto second = open();
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.headers["retry-after"], "3");
  EXPECT_EQ(open().status, 200);
  EXPECT_EQ(control("GET", "/_fake/schedule")["schedule"][0]["fired"], true);

  control("POST", "/_fake/fault", {{"post_fail", "bogus"}}, 400);
  control("POST", "/_fake/fault", {{"post_fail", "ratelimited"}, {"retry_after", -1}}, 400);
}

// --- connections ------------------------------------------------------------------------------------

TEST_F(FakeSocketModeTest, TicketIsGoodForOneConnectionAndHelloComesFirst) {
  std::string url = freshUrl();
  auto first = TestWsClient::connect(url);
  ASSERT_TRUE(first);
  auto hello = first->nextJson();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["type"], "hello");
  EXPECT_EQ((*hello)["num_connections"], 1);
  EXPECT_EQ((*hello)["connection_info"]["app_id"], kFakeAppId);
  EXPECT_TRUE((*hello)["debug_info"].contains("approximate_connection_time"));

  int refused = 0;
  EXPECT_FALSE(TestWsClient::connect(url, &refused)) << "a used ticket";
  EXPECT_EQ(refused, 401);
  refused = 0;
  EXPECT_FALSE(TestWsClient::connect("ws://127.0.0.1:" + std::to_string(slack_.socketPort()) + "/link/?ticket=nope",
                                     &refused));
  EXPECT_EQ(refused, 401);

  auto second = TestWsClient::connect(freshUrl());
  ASSERT_TRUE(second);
  auto hello2 = second->nextJson();
  ASSERT_TRUE(hello2);
  EXPECT_EQ((*hello2)["num_connections"], 2);

  auto listing = control("GET", "/_fake/socket/connections");
  EXPECT_EQ(listing["open"], 2);
  EXPECT_EQ(listing["refused_upgrades"], 2);
  ASSERT_EQ(listing["connections"].size(), 2u);
  auto c1 = listing["connections"][0];
  EXPECT_EQ(c1["id"], 1);
  EXPECT_EQ(c1["state"], "open");
  EXPECT_EQ(c1["hello_sent"], true);
  EXPECT_EQ(c1["silent"], false);
  EXPECT_EQ(c1["opened_at_ms"], 1700000000000);
  EXPECT_EQ(c1["closed_by"], nullptr);

  first->close();
  auto closed = closedConnection(1);
  EXPECT_EQ(closed["closed_by"], "client");
  EXPECT_EQ(closed["close_code"], 1000);
}

TEST_F(FakeSocketModeTest, ServerPingsAndAnswersPings) {
  control("POST", "/_fake/socket/settings", {{"ping_interval_ms", 50}});
  auto client = connected();
  EXPECT_TRUE(client->saw(WsEvent::kPing, 2s));
  EXPECT_TRUE(client->saw(WsEvent::kPing, 2s));
  client->ping();
  EXPECT_TRUE(client->saw(WsEvent::kPong, 2s));
  std::this_thread::sleep_for(100ms);
  auto c = connection(1);
  EXPECT_GE(c["pings_sent"].get<int>(), 2);
  EXPECT_GE(c["pongs_received"].get<int>(), 1) << "Beast answers the server's pings";
  EXPECT_EQ(c["pings_received"], 1);

  control("POST", "/_fake/socket/settings", {{"ping_interval_ms", 0}});
  while (client->next(100ms)) {
  }
  EXPECT_FALSE(client->saw(WsEvent::kPing, 300ms)) << "0 turns pings off";
  EXPECT_EQ(control("GET", "/_fake/socket/settings")["ping_interval_ms"], 0);
}

// --- envelopes -----------------------------------------------------------------------------------

TEST_F(FakeSocketModeTest, SlashGoesOverTheSocketAndTheAckPayloadIsTheBody) {
  auto client = connected();
  auto report = postAsync("/_fake/slash", {{"text", "status"}, {"user_id", "U0BOB00001"}, {"channel_id", "C0OPS00001"},
                                           {"signature", "bad"}});
  auto envelope = client->nextJson();
  ASSERT_TRUE(envelope);
  EXPECT_EQ((*envelope)["type"], "slash_commands");
  EXPECT_EQ((*envelope)["accepts_response_payload"], true);
  EXPECT_EQ((*envelope)["retry_attempt"], 0);
  EXPECT_EQ((*envelope)["retry_reason"], "");
  std::string id = (*envelope)["envelope_id"];
  EXPECT_EQ(id.size(), 36u);
  const json& payload = (*envelope)["payload"];
  EXPECT_EQ(payload["command"], "/pat");
  EXPECT_EQ(payload["text"], "status");
  EXPECT_EQ(payload["user_id"], "U0BOB00001");
  EXPECT_EQ(payload["channel_id"], "C0OPS00001");
  EXPECT_EQ(payload["channel_name"], "ops");
  EXPECT_EQ(payload["team_id"], "T0PATBOT1");
  EXPECT_EQ(payload["api_app_id"], kFakeAppId);
  EXPECT_EQ(payload["is_enterprise_install"], "false");
  std::string responseUrl = payload["response_url"];
  EXPECT_EQ(responseUrl.rfind("http://127.0.0.1:7777/commands/", 0), 0u);
  EXPECT_FALSE(payload["trigger_id"].get<std::string>().empty());

  client->ack(id, json{{"response_type", "ephemeral"}, {"text", "all good"}});
  json r = report.get();
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["content_type"], "application/json");
  EXPECT_EQ(json::parse(r["body"].get<std::string>()), json({{"response_type", "ephemeral"}, {"text", "all good"}}));
  EXPECT_EQ(r["error"], nullptr);
  EXPECT_EQ(r["envelope_id"], id);
  EXPECT_EQ(r["connection"], 1);
  EXPECT_EQ(r["response_url"], responseUrl);
  EXPECT_EQ(r["trigger_id"], payload["trigger_id"]);
  EXPECT_EQ(r["timestamp"], "1700000000");
  EXPECT_LT(r["elapsed_ms"].get<int>(), 3000);
  EXPECT_EQ(transport_.sent.load(), 0) << "nothing went over HTTP";

  // The response_url minted for it works as for an HTTP command.
  auto posted = call("POST", responseUrl.substr(std::string("http://127.0.0.1:7777").size()), R"({"text":"done"})",
                     {{"content-type", "application/json"}});
  EXPECT_EQ(posted.status, 200);

  auto acks = control("GET", "/_fake/socket/acks");
  ASSERT_EQ(acks["acks"].size(), 1u);
  EXPECT_EQ(acks["acks"][0]["envelope_id"], id);
  EXPECT_EQ(acks["acks"][0]["connection"], 1);
  EXPECT_EQ(acks["acks"][0]["retry_attempt"], 0);
  EXPECT_EQ(acks["acks"][0]["payload"]["text"], "all good");
  EXPECT_GE(acks["acks"][0]["latency_ms"].get<double>(), 0.0);
  EXPECT_TRUE(acks["unacked"].empty());
}

TEST_F(FakeSocketModeTest, ClickGoesOverTheSocketAsInteractive) {
  auto client = connected();
  auto report = postAsync("/_fake/click", {{"action_id", "pat_rotate_confirm"}, {"value", "deploy-token"}});
  auto envelope = client->nextJson();
  ASSERT_TRUE(envelope);
  EXPECT_EQ((*envelope)["type"], "interactive");
  EXPECT_EQ((*envelope)["accepts_response_payload"], false);
  const json& payload = (*envelope)["payload"];
  EXPECT_EQ(payload["type"], "block_actions");
  EXPECT_EQ(payload["actions"][0]["action_id"], "pat_rotate_confirm");
  EXPECT_EQ(payload["actions"][0]["value"], "deploy-token");
  EXPECT_EQ(payload["user"]["id"], "U0ALICE001");
  client->ack((*envelope)["envelope_id"]);
  json r = report.get();
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["body"], "") << "an ack without payload";
  EXPECT_EQ(r["error"], nullptr);
  EXPECT_EQ(r["response_url"], payload["response_url"]);
}

TEST_F(FakeSocketModeTest, WithoutAConnectionSlashGoesOverHttp) {
  auto r = control("POST", "/_fake/slash", {{"text", "help"}});
  EXPECT_EQ(r["error"], "dispatch_failed");
  EXPECT_EQ(transport_.sent.load(), 1);
  EXPECT_FALSE(r.contains("envelope_id"));
}

TEST_F(FakeSocketModeTest, NoAckIsATimeoutAndRetriesRedeliverTheSameEnvelope) {
  auto client = connected();
  auto report = postAsync("/_fake/slash", {{"text", "rotate x"}, {"retries", 1}});
  auto first = client->nextJson();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["retry_attempt"], 0);
  auto retry = client->nextJson(5s);  // after 3 s without an ack
  ASSERT_TRUE(retry);
  EXPECT_EQ((*retry)["envelope_id"], (*first)["envelope_id"]);
  EXPECT_EQ((*retry)["retry_attempt"], 1);
  EXPECT_EQ((*retry)["retry_reason"], "timeout");
  EXPECT_EQ((*retry)["payload"], (*first)["payload"]);
  client->ack((*retry)["envelope_id"]);
  json r = report.get();
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["error"], nullptr);
  ASSERT_EQ(r["attempts"].size(), 2u);
  EXPECT_EQ(r["attempts"][0]["acked"], false);
  EXPECT_EQ(r["attempts"][1]["acked"], true);
  EXPECT_GE(r["elapsed_ms"].get<int>(), 3000);

  auto acks = control("GET", "/_fake/socket/acks");
  ASSERT_EQ(acks["acks"].size(), 1u);
  EXPECT_EQ(acks["acks"][0]["retry_attempt"], 1);
  ASSERT_EQ(acks["unacked"].size(), 1u);
  EXPECT_EQ(acks["unacked"][0]["retry_attempt"], 0);

  // No ack at all, no retries: operation_timeout after 3 s.
  auto lost = postAsync("/_fake/slash", {{"text", "help"}});
  ASSERT_TRUE(client->nextJson());
  json timedOut = lost.get();
  EXPECT_EQ(timedOut["status"], 0);
  EXPECT_EQ(timedOut["error"], "operation_timeout");
  EXPECT_EQ(timedOut["body"], "");
  EXPECT_GE(timedOut["elapsed_ms"].get<int>(), 3000);
}

TEST_F(FakeSocketModeTest, DuplicateGoesOnTwoConnectionsAndRetryAlwaysRedelivers) {
  auto a = connected(true);
  auto b = connected(true);
  json r = control("POST", "/_fake/slash", {{"text", "help"}, {"duplicate", true}});
  EXPECT_EQ(r["status"], 200);
  auto onA = a->nextJson();
  auto onB = b->nextJson();
  ASSERT_TRUE(onA && onB);
  EXPECT_EQ((*onA)["envelope_id"], (*onB)["envelope_id"]);
  EXPECT_EQ((*onA)["envelope_id"], r["envelope_id"]);
  ASSERT_EQ(r["attempts"].size(), 2u);
  std::set<int64_t> used{r["attempts"][0]["connection"].get<int64_t>(), r["attempts"][1]["connection"].get<int64_t>()};
  EXPECT_EQ(used, (std::set<int64_t>{1, 2}));
  auto acks = control("GET", "/_fake/socket/acks")["acks"];
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_NE(acks[0]["connection"], acks[1]["connection"]);

  // retry_always: acked, and still redelivered (with retry_attempt 1) once.
  json again = control("POST", "/_fake/slash", {{"text", "help"}, {"retries", 1}, {"retry_always", true}});
  EXPECT_EQ(again["status"], 200);
  ASSERT_EQ(again["attempts"].size(), 2u);
  EXPECT_EQ(again["attempts"][1]["retry_attempt"], 1);
  EXPECT_EQ(again["attempts"][1]["acked"], true);
  EXPECT_EQ(control("GET", "/_fake/socket/acks")["acks"].size(), 4u);
}

TEST_F(FakeSocketModeTest, EnvelopeRouteSendsWhatItIsGiven) {
  auto a = connected();
  auto b = connected();
  auto report = postAsync("/_fake/socket/envelope", {{"type", "events_api"},
                                                     {"payload", {{"event", {{"type", "app_mention"}}}}},
                                                     {"envelope_id", "env-1"},
                                                     {"retry_attempt", 2},
                                                     {"retry_reason", "timeout"},
                                                     {"connection", 2}});
  auto e = b->nextJson();
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, json({{"envelope_id", "env-1"}, {"type", "events_api"}, {"payload", {{"event", {{"type", "app_mention"}}}}},
                      {"accepts_response_payload", false}, {"retry_attempt", 2}, {"retry_reason", "timeout"}}));
  b->ack("env-1");
  json r = report.get();
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["connection"], 2);

  // raw: sent verbatim; without an envelope id there is nothing to wait for.
  json raw = control("POST", "/_fake/socket/envelope", {{"raw", "not json {"}, {"connection", 1}});
  EXPECT_EQ(raw["error"], nullptr);
  EXPECT_EQ(raw["envelope_id"], nullptr);
  auto text = a->next(2s);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->text, "not json {");

  control("POST", "/_fake/socket/envelope", {{"type", "slash_commands"}, {"connection", 9}}, 400);
  control("POST", "/_fake/socket/envelope", {{"payload", {}}}, 400);

  // A frame from the client that is not an ack is listed, not lost.
  a->send(R"({"hello":"there"})");
  std::this_thread::sleep_for(100ms);
  auto others = control("GET", "/_fake/socket/acks")["other_messages"];
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0]["connection"], 1);
}

// --- disconnects, silence, abort ------------------------------------------------------------------

TEST_F(FakeSocketModeTest, DisconnectFramesAndTheServerSideClose) {
  struct Case {
    const char* reason;
    int closeAfterMs;  // -1 = the reason's default
  };
  int64_t id = 0;
  for (Case c : {Case{"warning", 300}, Case{"refresh_requested", 300}, Case{"too_many_websockets", -1},
                 Case{"link_disabled", -1}}) {
    SCOPED_TRACE(c.reason);
    auto client = connected();
    ++id;
    json body = {{"connection", id}, {"reason", c.reason}};
    if (c.closeAfterMs >= 0) body["close_after_ms"] = c.closeAfterMs;
    auto start = std::chrono::steady_clock::now();
    json answer = control("POST", "/_fake/socket/disconnect", body);
    EXPECT_EQ(answer["connections"], json::array({id}));
    EXPECT_EQ(answer["close_after_ms"], c.closeAfterMs >= 0 ? c.closeAfterMs : 0);
    auto frame = client->nextJson();
    ASSERT_TRUE(frame);
    EXPECT_EQ((*frame)["type"], "disconnect");
    EXPECT_EQ((*frame)["reason"], c.reason);
    EXPECT_TRUE((*frame)["debug_info"].contains("host"));
    auto closed = client->waitClosed(5s);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->closeCode, 1000);
    auto waited = std::chrono::steady_clock::now() - start;
    if (c.closeAfterMs > 0) EXPECT_GE(waited, std::chrono::milliseconds(c.closeAfterMs - 20));
    auto listed = closedConnection(id);
    EXPECT_EQ(listed["closed_by"], "server");
    EXPECT_EQ(listed["disconnect_reason"], c.reason);
  }

  // A client that reconnects and closes before close_after_ms: closed by the client.
  auto client = connected();
  control("POST", "/_fake/socket/disconnect", {{"reason", "warning"}});  // "all", default 10 s
  auto frame = client->nextJson();
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)["reason"], "warning");
  client->close();
  EXPECT_EQ(closedConnection(5)["closed_by"], "client");

  control("POST", "/_fake/socket/disconnect", {{"reason", "sleepy"}}, 400);
  control("POST", "/_fake/socket/disconnect", {{"connection", 1}, {"reason", "warning"}}, 409);
}

TEST_F(FakeSocketModeTest, SilenceStopsPongsWhileTcpStaysOpen) {
  auto client = connected();
  client->ping();
  ASSERT_TRUE(client->saw(WsEvent::kPong, 2s)) << "answered before silence";
  control("POST", "/_fake/socket/silence", {{"connection", 1}});
  std::this_thread::sleep_for(100ms);
  client->ping();
  auto e = client->next(1500ms);
  EXPECT_FALSE(e) << "no pong, no frame and no close: " << (e ? std::to_string(e->kind) + " " + e->text : "");
  auto c = connection(1);
  EXPECT_EQ(c["state"], "open");
  EXPECT_EQ(c["silent"], true);

  // Nothing is delivered on a silent connection; round-robin skips it.
  auto r = control("POST", "/_fake/slash", {{"text", "help"}});
  EXPECT_EQ(r["error"], "dispatch_failed");
  EXPECT_FALSE(client->next(200ms));

  // The client giving up on the stale connection is still noticed.
  client->dropTcp();
  EXPECT_EQ(closedConnection(1)["closed_by"], "client");
}

TEST_F(FakeSocketModeTest, AbortClosesTcpWithoutACloseFrame) {
  auto client = connected();
  control("POST", "/_fake/socket/abort", {{"connection", 1}});
  auto closed = client->waitClosed(3s);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closeCode, 0) << "no close frame: " << closed->text;
  auto c = closedConnection(1);
  EXPECT_EQ(c["closed_by"], "abort");
  EXPECT_EQ(c["close_code"], nullptr);
  control("POST", "/_fake/socket/abort", {{"connection", 1}}, 409);
  control("POST", "/_fake/socket/silence", {{"connection", 7}}, 409);
}

TEST_F(FakeSocketModeTest, ResetClosesConnectionsAndForgets) {
  auto client = connected(true);
  control("POST", "/_fake/slash", {{"text", "help"}});
  control("POST", "/_fake/reset");
  auto closed = client->waitClosed(3s);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closeCode, 1001);
  auto listing = control("GET", "/_fake/socket/connections");
  EXPECT_TRUE(listing["connections"].empty());
  EXPECT_TRUE(control("GET", "/_fake/socket/acks")["acks"].empty());
  auto again = connected();
  EXPECT_EQ(connection(1)["state"], "open") << "ids start again at 1";
}

// --- burst -----------------------------------------------------------------------------------------

TEST_F(FakeSocketModeTest, BurstCountsAndPercentilesAreConsistent) {
  auto a = connected(true);
  auto b = connected(true);
  json r = control("POST", "/_fake/socket/burst", {{"count", 200}, {"in_flight", 8}, {"text", "help"}});
  EXPECT_EQ(r["sent"], 200);
  EXPECT_EQ(r["acked"], 200);
  EXPECT_EQ(r["timed_out"], false);
  double p50 = r["p50_ms"], p90 = r["p90_ms"], p99 = r["p99_ms"], max = r["max_ms"];
  EXPECT_GE(p50, 0.0);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, max);
  EXPECT_GT(r["acks_per_s"].get<double>(), 0.0);
  EXPECT_GT(r["elapsed_ms"].get<double>(), 0.0);
  auto c1 = connection(1), c2 = connection(2);
  EXPECT_EQ(c1["envelopes_sent"].get<int>() + c2["envelopes_sent"].get<int>(), 200);
  EXPECT_GT(c1["envelopes_sent"].get<int>(), 0);
  EXPECT_GT(c2["envelopes_sent"].get<int>(), 0);
  // Each envelope is a full slash_commands envelope with its own trigger_id.
  std::set<std::string> triggers;
  for (auto* client : {a.get(), b.get()}) {
    while (auto e = client->nextJson(200ms)) {
      EXPECT_EQ((*e)["type"], "slash_commands");
      EXPECT_EQ((*e)["payload"]["text"], "help");
      triggers.insert((*e)["payload"]["trigger_id"].get<std::string>());
    }
  }
  EXPECT_EQ(triggers.size(), 200u);
  auto acks = control("GET", "/_fake/socket/acks");
  EXPECT_TRUE(acks["acks"].empty()) << "a burst's acks are summarised, not logged one by one";
  ASSERT_EQ(acks["bursts"].size(), 1u);
  EXPECT_EQ(acks["bursts"][0]["acked"], 200);
}

TEST_F(FakeSocketModeTest, BurstWithoutAcksStallsAndReports) {
  auto client = connected();
  json r = control("POST", "/_fake/socket/burst", {{"count", 5}, {"in_flight", 2}, {"timeout_ms", 1000}});
  EXPECT_EQ(r["sent"], 2) << "the window never opened again";
  EXPECT_EQ(r["acked"], 0);
  EXPECT_EQ(r["timed_out"], true);
  EXPECT_GE(r["elapsed_ms"].get<double>(), 900.0);
}

TEST(FakeSocketModeOff, SocketRoutesAnswer400AndConnectionsOpenFails) {
  FakeClock clock(TimePoint(std::chrono::seconds(1700000000)));
  NoTransport transport;
  FakeSlackOptions options;
  options.botToken = kBotToken;
  FakeSlack slack(options, clock, transport);
  EXPECT_EQ(slack.socketPort(), 0);
  http::Request r;
  r.method = "GET";
  r.path = "/_fake/socket/connections";
  EXPECT_EQ(slack.handle(r).status, 400);
  r.method = "POST";
  r.path = "/api/apps.connections.open";
  r.headers["authorization"] = std::string("Bearer ") + kAppToken;
  EXPECT_EQ(json::parse(slack.handle(r).body)["error"], "invalid_auth");
}

}  // namespace
}  // namespace patbot::fakes
