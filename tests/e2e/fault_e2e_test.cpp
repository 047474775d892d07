// Fault injection end to end (issue 6), through the real `patbot serve` and `patbot scan`:
//   - GitLab answering 20 % 429 and 20 % 500 with 50–500 ms latency, dropping connections
//     (before and after doing the work) and hanging: every command completes or fails with a clear
//     message, no token is created twice, no consumer ends on a revoked token (SPEC §5.3);
//   - Slack's chat.postMessage rate-limited or failing: notices are delayed, not lost, not doubled;
//   - the database locked by another process, or its disk full: the request is refused with a
//     clear ephemeral message within Slack's 3 s, and `patbot audit verify` passes afterwards.
// Disk full uses a small tmpfs mounted for the test (needs CAP_SYS_ADMIN; skipped otherwise).
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/rotation_end.h"
#include "tests/e2e/rotation_invariant.h"
#include "tests/e2e/slack_messages.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kCreatePath = "/api/v4/users/10/personal_access_tokens";

const std::vector<std::string> kStatusEnds = {"GitLab calls", ":x: Could not list tokens"};

// The inventory token's stack, the fake GitLab behind a TCP front that can drop connections.
StackOptions faultStack(Policy policy = {}) {
  StackOptions o = demoStackOptions(policy);
  o.gitlabArgs = {"--drop-proxy"};
  return o;
}

void armGitLabFaults(E2eStack& stack, const nlohmann::json& faults) { ASSERT_EQ(setGitLabFaults(stack, faults), 200); }

// A message for people: no C++ or JSON library internals, no secret.
void expectClear(E2eStack& stack, const std::string& text) {
  for (const char* internal : {"std::", "what()", "nlohmann", "[json.exception", "boost::", "Failed to read HTTP"}) {
    EXPECT_EQ(text.find(internal), std::string::npos) << "internal detail '" << internal << "' in: " << text;
  }
  EXPECT_TRUE(noSecretIn(stack, text)) << "shown";
  EXPECT_EQ(text.find("glpat-"), std::string::npos) << "a token value is shown";
}

// The section text of the last message in `messagesText` (one JSON a line), for the report.
std::string finalSentence(const std::string& messagesText) {
  std::string last;
  std::istringstream lines(messagesText);
  for (std::string line; std::getline(lines, line);) {
    auto m = nlohmann::json::parse(line, nullptr, false);
    if (!m.is_object()) continue;
    last = m.value("text", "");
    for (const auto& b : m.value("blocks", nlohmann::json::array())) {
      if (b.value("type", "") == "section" && b.contains("text")) last = b["text"].value("text", last);
    }
  }
  for (auto& ch : last) {
    if (ch == '\n') ch = ' ';
  }
  return last;
}

struct RotationOutcome : RotationEnd {
  explicit RotationOutcome(RotationEnd end) : RotationEnd(std::move(end)) {}
  InvariantCheck invariant;
  int creates = 0;      // token creates GitLab carried out meanwhile
};

// A configured token: its name, the CI/CD variable that holds it, and the create path of its account.
struct Consumer {
  std::string tokenName = kInventoryTokenName;
  std::string project = kInventoryProject;
  std::string key = kInventoryProjectKey;
  std::string createPath = kCreatePath;
};

// `/pat rotate ID --yes` for the token the project variable holds; waits for the result and
// checks the invariant. Resolves a stop for a decision by closing it (both tokens kept), so the
// next rotation can start.
RotationOutcome rotateOnce(E2eStack& stack, std::chrono::seconds timeout = 150s, const Consumer& c = {}) {
  auto before = fakeGitLabState(stack);
  auto idsBefore = tokenIdsNamed(before, c.tokenName);
  int64_t seq = lastCallSeq(fakeGitLabCalls(stack));
  int64_t token = tokenHeldBy(before, c.project, c.key);
  auto sent = stack.slash("rotate " + std::to_string(token) + " --yes");
  EXPECT_EQ(sent.value("status", 0), 200) << sent.dump();
  EXPECT_FALSE(sent.contains("error") && sent["error"].is_string()) << sent.dump();
  RotationOutcome out(waitForRotationEnd(stack, sent.value("response_url", ""), timeout));
  // The engine may still be finishing (audit rows) after its last message: let it settle.
  std::this_thread::sleep_for(300ms);
  out.invariant = checkRotationInvariant(fakeGitLabState(stack), c.tokenName, idsBefore);
  out.creates = tokenCreates(fakeGitLabCalls(stack, seq), c.createPath);
  if (out.head == "Rotation needs a decision") {
    std::string rotation = buttonValue(out.text, "pat_decide_abandon");
    EXPECT_FALSE(rotation.empty()) << out.text;
    // Closing reads both tokens from GitLab, through the same faults: wait for its answer, or the
    // next rotation of the token finds this one still running.
    auto closing = stack.click("pat_decide_abandon", rotation);
    waitForRotationEnd(stack, closing.value("response_url", ""), 60s);
  }
  return out;
}

void expectRotationEndedClearly(E2eStack& stack, const RotationOutcome& r) {
  ASSERT_FALSE(r.head.empty()) << "the rotation never reported an end\n" << stack.bot()->output().substr(0, 20000);
  expectClear(stack, r.text);
  EXPECT_TRUE(r.invariant.holds()) << r.invariant.describe() << "\n" << r.text;
  EXPECT_LE(r.creates, 1) << "a token was created twice for one request\n" << r.text;
}

std::string statusOnce(E2eStack& stack) {
  auto sent = stack.slash("status");
  EXPECT_EQ(sent.value("status", 0), 200) << sent.dump();
  auto text = stack.waitForAnyText(sent.value("response_url", ""), kStatusEnds, 150s);
  EXPECT_FALSE(text.empty()) << "/pat status never ended\n" << stack.textFor(sent.value("response_url", ""), 0);
  expectClear(stack, text);
  return text;
}

// `patbot scan`: a table (exit 0/1/2) or, on a scan error, exit 2 with a sentence naming GitLab.
void scanOnce(E2eStack& stack) {
  // Only what the command prints: the debug log of the stack's environment is for operators.
  auto [code, out] = stack.patbot({"scan"}, {{"PATBOT_LOG_LEVEL", "off"}});
  EXPECT_TRUE(code == 0 || code == 1 || code == 2) << code << "\n" << out;
  if (out.find(kInventoryTokenName) == std::string::npos) {
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("GitLab"), std::string::npos) << out;
  }
  expectClear(stack, out);
}

int pendingNotices(E2eStack& stack) {
  auto metrics = stack.get(stack.botUrl + "/metrics").body;
  std::smatch m;
  if (std::regex_search(metrics, m, std::regex(R"(patbot_watcher_notices_pending ([0-9]+))"))) return std::stoi(m[1]);
  return -1;
}

// --- GitLab ---------------------------------------------------------------------------------------

TEST(FaultE2e, GitLabRateLimitsErrorsAndLatencyEndEveryCommandClearly) {
  // A second configured token (deploy-bot/deploy-ci, id 105 of the demo seed).
  Policy policy;
  policy.tokens.push_back(tokenInProject("deploy-bot", "deploy-ci", "sec/team", "DEPLOY_TOKEN"));
  E2eStack stack(faultStack(policy));
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_TRUE(gitLabReachable(stack));
  // deploy-bot's deploy-ci token (105) gets a consumer too, so two rotations can run at once.
  auto seed = stack.seed();
  std::string deployValue;
  int64_t deployUser = 0;
  for (const auto& t : seed["tokens"]) {
    if (t["id"] == 105) {
      deployValue = t["value"];
      deployUser = t["user_id"];
    }
  }
  for (auto& p : seed["projects"]) {
    if (p["path"] != "sec/team") continue;
    p["variables"].push_back(ciVariable("DEPLOY_TOKEN", deployValue));
  }
  ASSERT_EQ(resetGitLab(stack, seed), 200);
  Consumer deploy{"deploy-ci", "sec/team", "DEPLOY_TOKEN",
                  "/api/v4/users/" + std::to_string(deployUser) + "/personal_access_tokens"};

  armGitLabFaults(stack, {{"rate_429", 0.2}, {"rate_500", 0.2}, {"latency_ms", 50}, {"latency_jitter_ms", 450}});
  auto started = Clock::now();

  std::mutex headsMutex;
  std::map<std::string, int> heads;
  auto chain = [&](const Consumer& c, int rotations, bool thenStatusAndScan) {
    for (int i = 0; i < rotations; ++i) {
      auto r = rotateOnce(stack, 150s, c);
      expectRotationEndedClearly(stack, r);
      std::lock_guard lock(headsMutex);
      ++heads[r.head];
      if (r.head != "Rotated") std::printf("[ faults ] %s: %s\n", c.tokenName.c_str(), finalSentence(r.text).c_str());
    }
    // After token writes, so that /pat status asks GitLab rather than reusing the watcher's scan.
    if (thenStatusAndScan) {
      statusOnce(stack);
      scanOnce(stack);
    }
  };
  // Two rotations of the inventory token while the deploy token is rotated, then a status and a
  // scan while the inventory token's second rotation runs.
  std::thread second([&] { chain(deploy, 1, true); });
  chain(Consumer{}, 2, false);
  second.join();
  auto calls = fakeGitLabCalls(stack);
  int limited = 0, failed = 0;
  for (const auto& c : calls) {
    limited += c.value("status", 0) == 429;
    failed += c.value("status", 0) == 500;
  }
  std::string summary;
  for (const auto& [h, n] : heads) summary += fmt::format(" {}×\"{}\"", n, h);
  std::printf("[ faults ] %zu GitLab calls (%d answered 429, %d answered 500) in %.1f s; rotations:%s\n",
              calls.size(), limited, failed, std::chrono::duration<double>(Clock::now() - started).count(),
              summary.c_str());
  EXPECT_GT(limited + failed, 0);
  armGitLabFaults(stack, nlohmann::json::object());
  EXPECT_TRUE(auditChainIntact(stack));
}

// The TCP front really closes without answering.
TEST(FaultE2e, DroppedConnectionEndsWithoutAStatusLine) {
  E2eStack stack(faultStack());
  ASSERT_TRUE(stackStarted(stack));
  armGitLabFaults(stack, {{"drop_rate", 1.0}, {"drop_path_prefix", "/api/v4/version"}});
  int fd = connectLoopback(portOf(stack.gitlabUrl));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "GET /api/v4/version HTTP/1.1\r\nHost: x\r\n\r\n"));
  char buf[256];
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  EXPECT_EQ(::recv(fd, buf, sizeof(buf), 0), 0) << "expected the connection to close with no answer";
  ::close(fd);
  // The bot's own calls (watcher, self check) may land after ours: look for ours, not the last.
  auto calls = fakeGitLabCalls(stack);
  bool droppedOurs = std::any_of(calls.begin(), calls.end(), [](const nlohmann::json& call) {
    return call.value("path", "") == "/api/v4/version" && call.value("dropped", false);
  });
  EXPECT_TRUE(droppedOurs) << calls.dump();
}

TEST(FaultE2e, DroppedConnectionsNeverCreateTwiceOrStrandAConsumer) {
  E2eStack stack(faultStack());
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_TRUE(gitLabReachable(stack));

  // One request in five loses its connection before GitLab sees it.
  armGitLabFaults(stack, {{"drop_rate", 0.2}});
  std::thread others([&] { scanOnce(stack); });
  for (int i = 0; i < 2; ++i) expectRotationEndedClearly(stack, rotateOnce(stack));
  statusOnce(stack);
  others.join();

  // The create is carried out but its answer is lost: patbot must not create again, and must
  // find and revoke the token it cannot deliver.
  armGitLabFaults(stack, {{"drop_rate", 1.0}, {"drop_method", "POST"}, {"drop_path_prefix", kCreatePath},
                          {"drop_after_work", true}});
  auto before = fakeGitLabState(stack);
  int64_t old = tokenHeldBy(before, kInventoryProject, kInventoryProjectKey);
  auto r = rotateOnce(stack);
  expectRotationEndedClearly(stack, r);
  EXPECT_EQ(r.head, "Rotation failed") << r.text;
  EXPECT_EQ(r.creates, 1) << r.text;
  auto after = fakeGitLabState(stack);
  EXPECT_EQ(tokenHeldBy(after, kInventoryProject, kInventoryProjectKey), old);
  ASSERT_EQ(r.invariant.created.size(), 1u) << r.invariant.describe();
  for (const auto& t : after["tokens"]) {
    if (t["id"] == r.invariant.created[0]) {
      EXPECT_TRUE(t["revoked"].get<bool>()) << "the undeliverable token is active";
    }
  }
  armGitLabFaults(stack, nlohmann::json::object());
  EXPECT_TRUE(auditChainIntact(stack));
}

TEST(FaultE2e, HungCreateHitsTheClientDeadlineAndIsUndone) {
  E2eStack stack(faultStack());
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_TRUE(gitLabReachable(stack));
  // GitLab creates the token, then never answers.
  armGitLabFaults(stack, {{"hang", true}, {"hang_method", "POST"}, {"hang_path_prefix", kCreatePath},
                          {"hold_answer", true}});
  auto started = Clock::now();
  auto r = rotateOnce(stack, 120s);
  double took = std::chrono::duration<double>(Clock::now() - started).count();
  armGitLabFaults(stack, nlohmann::json::object());   // releases the held answer
  expectRotationEndedClearly(stack, r);
  EXPECT_EQ(r.head, "Rotation failed") << r.text;
  EXPECT_NE(r.text.find("timed out"), std::string::npos) << r.text;
  EXPECT_LT(took, 120.0) << "SPEC §3: an error message within 2 minutes";
  std::printf("[ hang ] the rotation failed after %.1f s\n", took);
  ASSERT_EQ(r.invariant.created.size(), 1u) << r.invariant.describe();
  auto state = fakeGitLabState(stack);   // a range over a temporary's member dangles (ASan)
  for (const auto& t : state["tokens"]) {
    if (t["id"] == r.invariant.created[0]) {
      EXPECT_TRUE(t["revoked"].get<bool>()) << "the undeliverable token is active";
    }
  }
}

// --- Slack ----------------------------------------------------------------------------------------

TEST(FaultE2e, SlackFailuresDelayNoticesWithoutLosingOrDoublingThem) {
  StackOptions o = faultStack();
  o.startBot = false;
  E2eStack stack(o);
  ASSERT_TRUE(stackStarted(stack));
  // The start-up digest meets six 429s: the notifier's three retries, then the outbox's.
  auto f = stack.post(stack.slackUrl + "/_fake/fault",
                      nlohmann::json{{"post_fail", "ratelimited"}, {"count", 6}, {"method", "chat.postMessage"}}.dump());
  ASSERT_EQ(f.status, 200) << f.body;
  auto started = Clock::now();
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  int digests = 0;
  waitUntil([&] { return (digests = messagesMentioning(stack, "chat.postMessage", "need attention")) != 0; }, 60s,
            200ms);
  double delay = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_EQ(digests, 1) << stack.bot()->output();
  EXPECT_GT(delay, 3.0) << "the digest cannot have gone through the first four 429s";

  // A rotation while chat.postMessage answers 503 twice (the progress message, then the
  // announcement): the announcement waits in the outbox and arrives once.
  f = stack.post(stack.slackUrl + "/_fake/fault",
                 nlohmann::json{{"post_fail", "down"}, {"count", 2}, {"method", "chat.postMessage"}}.dump());
  ASSERT_EQ(f.status, 200) << f.body;
  auto r = rotateOnce(stack);
  expectRotationEndedClearly(stack, r);
  ASSERT_TRUE(r.rotated()) << r.text;
  int announced = 0;
  waitUntil([&] { return (announced = messagesMentioning(stack, "chat.postMessage", "Rotated")) != 0; }, 60s, 200ms);
  EXPECT_EQ(announced, 1) << stack.bot()->output();
  waitUntil([&] { return pendingNotices(stack) == 0; }, 20s, 200ms);
  EXPECT_EQ(pendingNotices(stack), 0);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(messagesMentioning(stack, "chat.postMessage", "need attention"), 1) << "the digest was doubled";
  EXPECT_EQ(messagesMentioning(stack, "chat.postMessage", "Rotated"), 1) << "the announcement was doubled";
  std::printf("[ slack ] digest delivered after %.1f s of 429s; announcement delivered once after 503s\n", delay);
}

// --- Database -------------------------------------------------------------------------------------

void expectRefusedWithin3s(const nlohmann::json& sent, const std::string& reason) {
  EXPECT_EQ(sent.value("status", 0), 200) << sent.dump();
  EXPECT_TRUE(sent.value("error", nlohmann::json()).is_null()) << "Slack saw no answer in time: " << sent.dump();
  EXPECT_LT(sent.value("elapsed_ms", 99999), 3000) << sent.dump();
  std::string body = sent.value("body", "");
  EXPECT_NE(body.find("cannot write its audit trail"), std::string::npos) << body;
  EXPECT_NE(body.find(reason), std::string::npos) << body;
  EXPECT_NE(body.find("\"ephemeral\""), std::string::npos) << body;
}

TEST(FaultE2e, DatabaseLockedByAnotherProcessRefusesClearlyAndKeepsTheChain) {
  E2eStack stack(faultStack());
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_TRUE(gitLabReachable(stack));
  {
    // Another writer holds the database (as `sqlite3 patbot.db 'BEGIN EXCLUSIVE; ...'` would).
    // patbot may be writing at this moment (the watcher's start-up scan): wait for its
    // transaction to end rather than fail (SQLiteCpp's default busy timeout is 0).
    SQLite::Database other(stack.dbPath, SQLite::OPEN_READWRITE, 5000);
    other.exec("BEGIN EXCLUSIVE");
    expectRefusedWithin3s(stack.slash("status"), "the database is locked");
    expectRefusedWithin3s(stack.slash("rotate 101 --yes"), "the database is locked");
    other.exec("ROLLBACK");
  }
  auto text = statusOnce(stack);
  EXPECT_NE(text.find("GitLab calls"), std::string::npos) << text;
  EXPECT_TRUE(auditChainIntact(stack));
}

// Mounts a tmpfs of `size` at a new temporary directory; "" when this process may not mount.
std::string mountSmallDisk(const std::string& size) {
  std::string dir = (std::filesystem::temp_directory_path() / ("patbot-full-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) != 0) {
    std::filesystem::remove(dir);
    return "";
  }
  return dir;
}

// Writes into `dir` until the disk is full.
void fillDisk(const std::string& dir) {
  std::FILE* f = std::fopen((dir + "/filler").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::vector<char> block(4096, 'x');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
  }
  std::fclose(f);
}

TEST(FaultE2e, DiskFullRefusesClearlyAndKeepsTheChain) {
  std::string disk = mountSmallDisk("4m");
  if (disk.empty()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN): disk-full case not run";
  {
    StackOptions o = faultStack();
    o.dbPath = disk + "/patbot.db";
    E2eStack stack(o);
    ASSERT_TRUE(stackStarted(stack));
    ASSERT_TRUE(gitLabReachable(stack));
    statusOnce(stack);
    fillDisk(disk);
    // The WAL may still have room for a few rows; the first refusal must come soon and be clear.
    nlohmann::json refused;
    int attempts = 0;
    for (int i = 0; i < 40 && refused.is_null(); ++i) {
      ++attempts;
      auto sent = stack.slash("status");
      if (sent.value("body", "").find("cannot write its audit trail") != std::string::npos) refused = sent;
    }
    ASSERT_FALSE(refused.is_null()) << "no request was refused on a full disk\n" << stack.bot()->output();
    std::printf("[ disk ] refused after %d request(s): %s\n", attempts,
                nlohmann::json::parse(refused.value("body", "{}"), nullptr, false).value("text", "").c_str());
    expectRefusedWithin3s(refused, "the disk is full");
    expectRefusedWithin3s(stack.slash("rotate 101 --yes"), "the disk is full");
    EXPECT_EQ(stack.get(stack.botUrl + "/healthz").status, 200);

    std::filesystem::remove(disk + "/filler");
    EXPECT_TRUE(auditChainIntact(stack));
    auto text = statusOnce(stack);
    EXPECT_NE(text.find("GitLab calls"), std::string::npos) << text;
    auto state = fakeGitLabState(stack);
    for (const auto& t : state["tokens"]) {
      if (t["id"] == 101) {
        EXPECT_FALSE(t["revoked"].get<bool>()) << "a refused rotation changed GitLab";
      }
    }
  }
  ::umount2(disk.c_str(), MNT_DETACH);
  std::filesystem::remove_all(disk);
}

}  // namespace
}  // namespace patbot::e2e
