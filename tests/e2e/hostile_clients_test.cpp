// Hostile clients against the real `patbot serve` (issue 6), over raw loopback sockets:
// - 500 idle connections plus clients that trickle a head or a body must not stop a signed
//   `/pat status` from being acked (200) within 3 s;
// - oversized bodies get 413 and oversized heads 431 without patbot's memory growing with them;
// - a flood of badly signed requests costs a bounded number of audit rows (one aggregate row per
//   window beyond the first 20), the chain still verifies, and the server stays healthy.
// - stalled clients (idle, a head or a body that stops arriving) are disconnected at the
//   listener's deadlines (http/server.h: idle 15 s, head 5 s, body 5 s), so they cannot pile up.
// Figures beyond these bounds (5000 idle connections, huge heads, the open-file limit) come from
// tests/e2e/hostile_clients_measure.cpp.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/raw_bot.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/wait_until.h"
#include "tests/sanitizers/sanitizer_build.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto kAckBudget = 3000ms;      // SPEC §3: answer within 3 s, always
constexpr int kIndividualPerWindow = 20;   // RejectedAuditThrottle's default in patbot serve

class HostileClients : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stackStarted(stack_));
    std::string why;
    auto bot = RawBot::of(stack_, "/commands/hostile", &why);
    ASSERT_TRUE(bot) << why;
    bot_ = *bot;
  }

  // A signed `/pat status` on a fresh connection, as Slack sends it.
  RawReply signedStatus(std::chrono::milliseconds timeout = 10s) { return bot_.signedStatus(timeout); }

  const std::string& secret() const { return bot_.signingSecret(); }

  std::vector<nlohmann::json> auditRows() {
    auto [code, out] = stack_.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
    EXPECT_EQ(code, 0) << out;
    std::vector<nlohmann::json> rows;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object()) rows.push_back(std::move(j));
    }
    return rows;
  }

  E2eStack stack_{smallWorld()};
  RawBot bot_;
};

// Connections that send part of a request and then one byte every `period` until stopped.
class Tricklers {
 public:
  Tricklers(int port, int count, const std::string& opening, std::chrono::milliseconds period) {
    for (int i = 0; i < count; ++i) {
      int fd = connectLoopback(port);
      if (fd >= 0 && sendAll(fd, opening)) fds_.push_back(fd);
      else if (fd >= 0) ::close(fd);
    }
    thread_ = std::thread([this, period] {
      while (!stop_) {
        for (int fd : fds_) sendAll(fd, "a");
        sent_ += fds_.size();
        std::this_thread::sleep_for(period);
      }
    });
  }
  ~Tricklers() {
    stop_ = true;
    thread_.join();
    closeAll(fds_);
  }
  size_t connected() const { return fds_.size(); }
  size_t bytesSent() const { return sent_; }

 private:
  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

TEST_F(HostileClients, IdleConnectionsAndSlowSendersDoNotDelayASignedAck) {
  ASSERT_EQ(signedStatus().status, 200) << "warm-up";
  long fdsBefore = openFds(bot_.pid());
  long rssBefore = rssKiB(bot_.pid());

  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) {
    int fd = connectLoopback(bot_.port());
    ASSERT_GE(fd, 0) << "connection " << i << " refused";
    idle.push_back(fd);
  }
  // The server really holds them (accepted, one descriptor each), not just the kernel's backlog.
  // (A few descriptors of the warm-up may close meanwhile: allow for them.)
  waitUntil([&] { return openFds(bot_.pid()) >= fdsBefore + 490; }, 10s, 50ms);
  EXPECT_GE(openFds(bot_.pid()), fdsBefore + 490);

  // Slow senders: a complete head announcing a body that arrives a byte at a time, and a head
  // that never ends.
  std::string slowBodyHead = fmt::format(
      "POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 4096\r\nX-Slack-Request-Timestamp: {}\r\nX-Slack-Signature: v0={}\r\n\r\ntext=",
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      std::string(64, '0'));
  Tricklers slowBodies(bot_.port(), 25, slowBodyHead, 100ms);
  Tricklers slowHeads(bot_.port(), 25, "POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 100ms);
  ASSERT_EQ(slowBodies.connected(), 25u);
  ASSERT_EQ(slowHeads.connected(), 25u);
  std::this_thread::sleep_for(500ms);

  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 5; ++i) {
    auto reply = signedStatus();
    EXPECT_EQ(reply.status, 200) << reply.head;
    EXPECT_NE(reply.body.find("ephemeral"), std::string::npos) << reply.body;
    EXPECT_LT(reply.elapsed, kAckBudget);
    worst = std::max(worst, reply.elapsed);
  }
  // And through the fake Slack, as Slack's own client measures it.
  auto viaSlack = stack_.slash("status");
  EXPECT_EQ(viaSlack.value("status", 0), 200) << viaSlack.dump();
  EXPECT_LT(viaSlack.value("elapsed_ms", 99999), kAckBudget.count());
  EXPECT_EQ(exchange(bot_.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s).status, 200);
  EXPECT_GT(slowBodies.bytesSent(), 0u);

  std::cout << fmt::format("[hostile] 500 idle + 25 slow-body + 25 slow-head connections: worst ack {} ms, "
                           "fake Slack {} ms; patbot fds {} -> {}, RSS {} -> {} KiB\n",
                           worst.count(), viaSlack.value("elapsed_ms", -1), fdsBefore, openFds(bot_.pid()), rssBefore,
                           rssKiB(bot_.pid()));
  closeAll(idle);
}

TEST_F(HostileClients, StalledClientsAreDisconnectedAtTheListenersDeadlines) {
  ASSERT_EQ(signedStatus().status, 200) << "warm-up";
  long fdsBefore = openFds(bot_.pid());
  auto connectMany = [this](int count, const std::string& opening) {
    std::vector<int> fds;
    for (int i = 0; i < count; ++i) {
      int fd = connectLoopback(bot_.port());
      if (fd >= 0 && (opening.empty() || sendAll(fd, opening))) fds.push_back(fd);
      else if (fd >= 0) ::close(fd);
    }
    return fds;
  };
  auto idle = connectMany(40, "");
  auto partialHeads = connectMany(40, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nX-Half: ");
  auto partialBodies = connectMany(40, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nab");
  ASSERT_EQ(idle.size() + partialHeads.size() + partialBodies.size(), 120u);
  waitUntil([&] { return openFds(bot_.pid()) >= fdsBefore + 115; }, 10s, 50ms);
  EXPECT_GE(openFds(bot_.pid()), fdsBefore + 115) << "the server holds them";

  // Head and body deadlines (5 s) first, then the idle one (15 s); a margin for a loaded machine.
  auto closedWithin = [this](long atMost, std::chrono::seconds limit) {
    waitUntil([&] { return openFds(bot_.pid()) <= atMost; }, limit);
    return openFds(bot_.pid());
  };
  long afterHeadDeadline = closedWithin(fdsBefore + 45, 10s);
  EXPECT_LE(afterHeadDeadline, fdsBefore + 45) << "partial heads and bodies must be dropped after 5 s";
  long afterIdleDeadline = closedWithin(fdsBefore + 5, 20s);
  EXPECT_LE(afterIdleDeadline, fdsBefore + 5) << "idle connections must be dropped after 15 s";
  for (auto* group : {&idle, &partialHeads, &partialBodies}) {
    for (int fd : *group) {
      char byte;
      EXPECT_EQ(::recv(fd, &byte, 1, MSG_DONTWAIT), 0) << "closed by the server without an answer";
    }
    closeAll(*group);
  }
  EXPECT_EQ(signedStatus().status, 200);
  std::cout << fmt::format("[hostile] stalled: patbot fds {} with 120 stalled connections, {} after the head/body "
                           "deadline, {} after the idle deadline\n",
                           fdsBefore + 120, afterHeadDeadline, afterIdleDeadline);
}

using patbot::sanitizers::kAddressSanitizer;

TEST_F(HostileClients, OversizedBodiesGet413WithoutBeingBuffered) {
  long rssBefore = rssKiB(bot_.pid());
  // Declared too large: refused on the head; the body is read and thrown away, never kept.
  // Kept bodies would show as RSS growth of their size; thrown-away ones as allocator noise (a
  // few MiB, whatever the size: 1 GiB costs about 1 MiB, see hostile_clients_measure).
  const size_t declared = 128 * 1024 * 1024;
  const long kBoundKiB = 32 * 1024;
  int fd = connectLoopback(bot_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, fmt::format("POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n"
                                      "Content-Type: application/x-www-form-urlencoded\r\n\r\n",
                                      declared)));
  std::string piece(1024 * 1024, 'a');
  for (size_t piecesLeft = declared / piece.size() - 1; piecesLeft > 0; --piecesLeft) {
    if (!sendAll(fd, piece)) break;
  }
  piece.pop_back();
  ASSERT_TRUE(sendAll(fd, piece));
  auto reply = exchangeOn(fd, "a", 30s);   // the last byte; the 413 has been waiting since the head
  ::close(fd);
  EXPECT_EQ(reply.status, 413) << reply.head;
  EXPECT_TRUE(reply.peerClosed) << "a refused request's connection is closed";
  long rssAfterDeclared = rssKiB(bot_.pid());

  // Not declared (chunked): refused once the limit is crossed, the rest thrown away.
  std::string chunked = "POST /slack/commands HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", 64 * 1024, std::string(64 * 1024, 'b'));
  for (int i = 0; i < 1024; ++i) chunked += chunk;   // 64 MiB
  chunked += "0\r\n\r\n";
  auto chunkedReply = exchange(bot_.port(), chunked, 30s);
  EXPECT_EQ(chunkedReply.status, 413) << chunkedReply.head;
  long rssAfterChunked = rssKiB(bot_.pid());

  std::cout << fmt::format("[hostile] 128 MiB declared body: {} in {} ms; 64 MiB chunked: {} in {} ms; "
                           "RSS {} -> {} -> {} KiB\n",
                           reply.status, reply.elapsed.count(), chunkedReply.status, chunkedReply.elapsed.count(),
                           rssBefore, rssAfterDeclared, rssAfterChunked);
  if (kAddressSanitizer) {
    // ASan's quarantine holds every freed block (up to 256 MiB) before reuse, so RSS measures the
    // bytes read, not the bytes kept; the plain build of this same test checks the bound.
    std::cout << "[hostile] RSS bound not checked under AddressSanitizer\n";
  } else {
    EXPECT_LT(rssAfterDeclared - rssBefore, kBoundKiB) << "patbot kept the body";
    EXPECT_LT(rssAfterChunked - rssBefore, kBoundKiB) << "patbot kept the chunked body";
  }
  EXPECT_EQ(signedStatus().status, 200);
}

TEST_F(HostileClients, OversizedHeadsGet431AndCloseTheConnection) {
  auto withHeaders = [](const std::string& headers) {
    return "POST /slack/commands HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Length: 2\r\n\r\nab";
  };
  auto oneLong = exchange(bot_.port(), withHeaders("X-Pad: " + std::string(64 * 1024, 'p') + "\r\n"), 10s);
  EXPECT_EQ(oneLong.status, 431) << oneLong.head;
  EXPECT_TRUE(oneLong.peerClosed);

  std::string many;
  for (int i = 0; i < 1000; ++i) many += fmt::format("X-Header-{}: {}\r\n", i, std::string(30, 'v'));
  auto manySmall = exchange(bot_.port(), withHeaders(many), 10s);
  EXPECT_EQ(manySmall.status, 431) << manySmall.head;

  auto longUrl = exchange(bot_.port(), "GET /healthz?" + std::string(32 * 1024, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n", 10s);
  EXPECT_EQ(longUrl.status, 431) << longUrl.head;

  // Just under the limit is an ordinary request (unsigned here, so 401).
  auto fits = exchange(bot_.port(), withHeaders("X-Pad: " + std::string(12 * 1024, 'p') + "\r\nConnection: close\r\n"), 10s);
  EXPECT_EQ(fits.status, 401) << fits.head;
  EXPECT_EQ(signedStatus().status, 200);

  // Each refusal is logged once, with a request id and the sizes, never the header values.
  std::istringstream log(stack_.bot()->output());
  int refusals = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("rejected with 431") == std::string::npos) continue;
    ++refusals;
    EXPECT_NE(line.find("[req-"), std::string::npos) << line;
    EXPECT_EQ(line.find("ppppppppppppppppppppppppppppppp"), std::string::npos) << "a header value was logged";
  }
  EXPECT_EQ(refusals, 3);
}

TEST_F(HostileClients, AFloodOfBadlySignedRequestsCostsBoundedAuditRows) {
  const int kThreads = 4;
  const int kPerThread = 250;
  const int kFlood = kThreads * kPerThread;
  std::atomic<int> unauthorized{0};
  std::atomic<int> otherStatus{0};
  std::vector<std::thread> flooders;
  std::string wrongSecret = "not-the-signing-secret";
  for (int t = 0; t < kThreads; ++t) {
    flooders.emplace_back([&] {
      int fd = connectLoopback(bot_.port());
      for (int i = 0; i < kPerThread; ++i) {
        std::string body = slashForm(fmt::format("rotate {} --yes", i), "U0MALLORY1", "http://127.0.0.1:9/x");
        RawReply r;
        // Alternate a wrong secret, a stale timestamp and no signature at all.
        if (i % 3 == 0) r = exchangeOn(fd, slackRequest("/slack/commands", body, wrongSecret, true), 10s);
        else if (i % 3 == 1) r = exchangeOn(fd, slackRequest("/slack/commands", body, secret(), true, -600s), 10s);
        else r = exchangeOn(fd, slackRequest("/slack/interactions", "payload=%7B%7D", std::nullopt, true), 10s);
        if (r.status == 401) ++unauthorized;
        else ++otherStatus;
        if (r.peerClosed || r.status == 0) {   // keep flooding on a new connection
          ::close(fd);
          fd = connectLoopback(bot_.port());
        }
      }
      ::close(fd);
    });
  }
  // A genuine request in the middle of the flood is still acked in time.
  std::this_thread::sleep_for(200ms);
  auto during = signedStatus();
  for (auto& f : flooders) f.join();
  EXPECT_EQ(unauthorized.load(), kFlood);
  EXPECT_EQ(otherStatus.load(), 0);
  EXPECT_EQ(during.status, 200) << during.head;
  EXPECT_LT(during.elapsed, kAckBudget);
  auto after = signedStatus();
  EXPECT_EQ(after.status, 200);
  EXPECT_LT(after.elapsed, kAckBudget);

  auto countRows = [](const std::vector<nlohmann::json>& rows, const std::string& action) {
    return std::count_if(rows.begin(), rows.end(), [&](const nlohmann::json& r) { return r["action"] == action; });
  };
  // While the window is open: only the first kIndividualPerWindow refusals have rows (two
  // windows at most, should the flood outlast one minute on a loaded machine).
  auto rows = auditRows();
  long individual = countRows(rows, "request.rejected");
  EXPECT_GE(individual, kIndividualPerWindow);
  EXPECT_LE(individual, 2 * kIndividualPerWindow);

  // SIGTERM writes the open window's aggregate row; every refusal is accounted for.
  std::string logBefore = stack_.bot()->output();
  ASSERT_TRUE(stack_.restartBot(false)) << stack_.startupLog();
  rows = auditRows();
  individual = countRows(rows, "request.rejected");
  long aggregates = countRows(rows, "request.rejected.aggregate");
  EXPECT_GE(aggregates, 1);
  EXPECT_LE(aggregates, 2);
  int64_t suppressed = 0;
  for (const auto& r : rows) {
    if (r["action"] != "request.rejected.aggregate") continue;
    suppressed += r["detail"]["suppressed"].get<int64_t>();
    EXPECT_EQ(r["outcome"], "rejected");
    EXPECT_TRUE(r["detail"]["reasons"].contains("mismatch")) << r.dump();
    EXPECT_TRUE(r["detail"]["reasons"].contains("stale")) << r.dump();
    EXPECT_TRUE(r["detail"]["reasons"].contains("missing_timestamp")) << r.dump();
    EXPECT_EQ(r["detail"]["remotes"].value("127.0.0.1", 0), r["detail"]["suppressed"].get<int64_t>());
  }
  EXPECT_EQ(individual + suppressed, kFlood);
  EXPECT_LE(static_cast<long>(rows.size()), 2 * (kIndividualPerWindow + 1) + 20) << "rows besides the flood: a few";

  auto [code, verify] = stack_.patbot({"audit", "verify"});
  EXPECT_EQ(code, 0) << verify;
  EXPECT_NE(verify.find("intact"), std::string::npos) << verify;

  // The log: one line per individually audited refusal (with its request id) plus one per
  // window, and never a secret.
  std::string log = stack_.previousBotOutput();
  size_t refusalLines = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("rejected /slack/") == std::string::npos) continue;
    ++refusalLines;
    EXPECT_NE(line.find("[req-"), std::string::npos) << line;
  }
  EXPECT_LE(refusalLines, static_cast<size_t>(2 * (kIndividualPerWindow + 1)));
  EXPECT_NE(log.find("audited as one row"), std::string::npos);
  EXPECT_TRUE(noSecretIn(stack_, log)) << "in the log";
  EXPECT_EQ(signedStatus().status, 200) << "the restarted bot serves";
  std::cout << fmt::format("[hostile] {} badly signed requests: {} individual rows, {} aggregate rows, "
                           "{} refusal log lines\n",
                           kFlood, individual, aggregates, refusalLines);
}

}  // namespace
}  // namespace patbot::e2e
