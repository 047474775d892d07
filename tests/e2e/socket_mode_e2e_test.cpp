// Socket Mode end to end (issue 15): the real `patbot serve` with SLACK_APP_TOKEN opens its
// WebSockets to the fake Slack (tests/fakes/fake_slack with FAKE_SLACK_APP_TOKEN), which delivers
// /_fake/slash and /_fake/click as envelopes and records every ack. Real sockets on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_policy.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/slack_messages.h"
#include "tests/e2e/wait_until.h"
#include "tests/http/connect_proxy.h"

namespace patbot::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

StackOptions socketStack(StackOptions o = smallWorld()) {
  o.socketMode = true;
  return o;
}

// GET /_fake/socket/<what> ("connections" or "acks"): the list under that key.
json fakeSocket(E2eStack& stack, const std::string& what) {
  auto r = stack.get(stack.slackUrl + "/_fake/socket/" + what);
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains(what) && j[what].is_array() ? j[what] : json::array();
}

int controlSocket(E2eStack& stack, const std::string& what, const json& body) {
  return stack.post(stack.slackUrl + "/_fake/socket/" + what, body.dump()).status;
}

std::vector<json> openConnections(E2eStack& stack) {
  std::vector<json> open;
  for (const auto& c : fakeSocket(stack, "connections")) {
    if (c.value("state", "") == "open") open.push_back(c);
  }
  return open;
}

// How many audit rows have `action` (from `patbot audit --format jsonl`).
size_t auditRows(E2eStack& stack, const std::string& action, const std::string& outcome = "") {
  auto [code, out] = stack.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
  EXPECT_EQ(code, 0) << out;
  size_t n = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto row = json::parse(line, nullptr, false);
    if (row.is_discarded() || row.value("action", "") != action) continue;
    if (outcome.empty() || row.value("outcome", "") == outcome) ++n;
  }
  return n;
}

std::string metricsOf(E2eStack& stack) { return stack.get(stack.botUrl + "/metrics").body; }

TEST(SocketModeE2e, CommandsAndClicksGoThroughTheSameDoorWithNoSlackEndpoint) {
  Policy policy;
  policy.tokens[0].trackingIssue = {{"sec/team", 262}};
  E2eStack stack(socketStack(demoStackOptions(policy, "")));
  ASSERT_TRUE(stackStarted(stack));
  EXPECT_EQ(openConnections(stack).size(), 2u);

  // No Slack endpoint over HTTP: only health and metrics.
  EXPECT_EQ(stack.get(stack.botUrl + "/healthz").status, 200);
  EXPECT_EQ(stack.post(stack.botUrl + "/slack/commands", "x=1", {{"content-type", "application/x-www-form-urlencoded"}})
                .status,
            404);
  EXPECT_EQ(stack.post(stack.botUrl + "/slack/interactions", "payload=%7B%7D",
                       {{"content-type", "application/x-www-form-urlencoded"}})
                .status,
            404);
  ASSERT_TRUE(gitLabReachable(stack));
  EXPECT_TRUE(waitUntil([&] { return stack.get(stack.botUrl + "/readyz").status == 200; }, 10s, 50ms));

  // The immediate answer travels in the ack.
  auto help = stack.slash("help");
  ASSERT_EQ(help.value("status", 0), 200) << help.dump();
  EXPECT_NE(help.value("body", "").find("/pat status"), std::string::npos) << help.dump();
  EXPECT_LT(help.value("elapsed_ms", 99999), 3000);

  // A rotation: the plan, a reader's Confirm refused, the operator's Confirm rotating.
  auto sent = stack.slash(std::string("rotate inventory-bot/\"") + kInventoryTokenName + "\"");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  auto plan = stack.textFor(sent["response_url"]);
  std::string confirmation = buttonValue(plan, "pat_confirm");
  ASSERT_FALSE(confirmation.empty()) << plan;
  auto bob = stack.click("pat_confirm", confirmation, "U0BOB00001");
  ASSERT_EQ(bob.value("status", 0), 200) << bob.dump();
  EXPECT_NE(stack.textFor(bob["response_url"]).find("Only operators"), std::string::npos);
  auto alice = stack.click("pat_confirm", confirmation);
  ASSERT_EQ(alice.value("status", 0), 200) << alice.dump();
  EXPECT_TRUE(rotationSucceeded(stack, alice["response_url"]));
  EXPECT_TRUE(tokenById(fakeGitLabState(stack), 101)["revoked"].get<bool>());

  // The same audit rows and metrics as over HTTP, plus the socket's own.
  EXPECT_EQ(auditRows(stack, "command.help"), 1u);
  EXPECT_EQ(auditRows(stack, "interaction.pat_confirm", "denied"), 1u);
  EXPECT_EQ(auditRows(stack, "interaction.pat_confirm", "ok"), 1u);
  auto metrics = metricsOf(stack);
  EXPECT_NE(metrics.find(R"(patbot_socket_envelopes_total{type="slash_commands",outcome="handled"} 2)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(patbot_socket_envelopes_total{type="interactive",outcome="handled"} 2)"), std::string::npos);
  EXPECT_NE(metrics.find("patbot_socket_connections_open 2"), std::string::npos);
  EXPECT_NE(metrics.find("patbot_socket_ack_seconds_count"), std::string::npos);
  EXPECT_NE(metrics.find(R"(patbot_commands_total{subcommand="rotate")"), std::string::npos);
  EXPECT_TRUE(noSecretIn(stack, stack.bot()->output()));
  EXPECT_TRUE(auditChainIntact(stack));
}

TEST(SocketModeE2e, ARefreshMidStreamLosesNoEnvelopeAndRunsNoneTwice) {
  E2eStack stack(socketStack());
  ASSERT_TRUE(stackStarted(stack));
  auto first = openConnections(stack);
  ASSERT_EQ(first.size(), 2u);
  constexpr int kCommands = 60;
  std::atomic<int> sentCount{0};
  std::vector<json> reports(kCommands);
  // As Slack does, the fake delivers an envelope that got no ack within 3 s again (here up to
  // twice): an envelope written to a connection patbot was closing is not lost, and patbot must
  // not run it a second time.
  std::thread sender([&] {
    for (int i = 0; i < kCommands; ++i) {
      reports[static_cast<size_t>(i)] = stack.slash("help", "U0ALICE001", {{"retries", 2}});
      ++sentCount;
    }
  });
  waitUntil([&] { return sentCount >= 10; }, 20s, 5ms);
  EXPECT_EQ(controlSocket(stack, "disconnect", {{"connection", first[0]["id"]}, {"reason", "refresh_requested"}}), 200);
  waitUntil([&] { return sentCount >= 30; }, 20s, 5ms);
  EXPECT_EQ(controlSocket(stack, "disconnect",
                          {{"connection", first[1]["id"]}, {"reason", "warning"}, {"close_after_ms", 10000}}),
            200);
  sender.join();

  int acked = 0;
  for (const auto& r : reports) {
    EXPECT_EQ(r.value("status", 0), 200) << r.dump();
    acked += r.value("status", 0) == 200 ? 1 : 0;
  }
  EXPECT_EQ(acked, kCommands);
  EXPECT_EQ(auditRows(stack, "command.help"), static_cast<size_t>(kCommands)) << "an envelope ran twice or not at all";

  // Both old connections were closed by patbot once their replacements had said hello.
  EXPECT_TRUE(waitUntil([&] { return openConnections(stack).size() == 2; }, 15s, 50ms));
  auto all = fakeSocket(stack, "connections");
  EXPECT_EQ(all.size(), 4u) << all.dump();
  for (const auto& c : all) {
    if (c["id"] == first[0]["id"] || c["id"] == first[1]["id"]) {
      EXPECT_EQ(c.value("state", ""), "closed") << c.dump();
      EXPECT_EQ(c.value("closed_by", ""), "client") << "patbot must close a leaving connection itself: " << c.dump();
    }
  }
  auto metrics = metricsOf(stack);
  EXPECT_NE(metrics.find(R"(patbot_socket_reconnects_total{reason="refresh_requested"} 1)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(patbot_socket_reconnects_total{reason="warning"} 1)"), std::string::npos) << metrics;
}

TEST(SocketModeE2e, ASilentSocketIsFoundDeadAndReplaced) {
  E2eStack stack(socketStack());
  ASSERT_TRUE(stackStarted(stack));
  auto first = openConnections(stack);
  ASSERT_EQ(first.size(), 2u);
  auto silenced = SteadyClock::now();
  ASSERT_EQ(controlSocket(stack, "silence", {{"connection", first[0]["id"]}}), 200);
  // Commands keep working over the other connection meanwhile.
  auto help = stack.slash("help");
  EXPECT_EQ(help.value("status", 0), 200) << help.dump();
  bool replaced = waitUntil(
      [&] {
        auto open = openConnections(stack);
        return open.size() == 2 &&
               std::none_of(open.begin(), open.end(), [&](const json& c) { return c["id"] == first[0]["id"]; });
      },
      30s, 100ms);
  double took = std::chrono::duration<double>(SteadyClock::now() - silenced).count();
  ASSERT_TRUE(replaced) << fakeSocket(stack, "connections").dump() << "\n" << stack.bot()->output();
  EXPECT_LT(took, 15.0) << "a silent socket must be found dead within the idle timeout (10 s)";
  std::printf("[ socket ] a silent connection was replaced %.1f s after it went silent\n", took);
  EXPECT_NE(metricsOf(stack).find(R"(patbot_socket_reconnects_total{reason="dead"} 1)"), std::string::npos);
  EXPECT_EQ(stack.slash("help").value("status", 0), 200);
}

TEST(SocketModeE2e, AFatalAnswerStopsServeWithOneLineInsteadOfLooping) {
  StackOptions o = socketStack();
  o.startBot = false;
  E2eStack stack(o);
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_EQ(stack.post(stack.slackUrl + "/_fake/fault",
                       json({{"post_fail", "invalid_auth"}, {"count", 1000}, {"method", "apps.connections.open"}}).dump())
                .status,
            200);
  auto started = SteadyClock::now();
  auto [code, out] = stack.patbot({"serve"}, {{"PATBOT_LOG_LEVEL", "info"}});
  EXPECT_EQ(code, 1) << out;
  EXPECT_LT(std::chrono::duration<double>(SteadyClock::now() - started).count(), 10.0);
  size_t lines = 0;
  for (size_t at = 0; (at = out.find("invalid_auth", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 1u) << out;
  EXPECT_NE(out.find("SLACK_APP_TOKEN"), std::string::npos) << out;
  EXPECT_TRUE(noSecretIn(stack, out));
  size_t opens = 0;
  for (const auto& call : json::parse(stack.get(stack.slackUrl + "/_fake/calls").body, nullptr, false)) {
    if (call.value("method", "") == "apps.connections.open") ++opens;
  }
  EXPECT_EQ(opens, 1u) << "patbot retried a fatal answer";
}

TEST(SocketModeE2e, LinkDisabledWhileServingStopsServe) {
  E2eStack stack(socketStack());
  ASSERT_TRUE(stackStarted(stack));
  auto open = openConnections(stack);
  ASSERT_FALSE(open.empty());
  ASSERT_EQ(controlSocket(stack, "disconnect", {{"connection", open[0]["id"]}, {"reason", "link_disabled"}}), 200);
  EXPECT_EQ(stack.bot()->wait(10s), 1) << stack.bot()->output();
  EXPECT_NE(stack.bot()->output().find("link_disabled"), std::string::npos);
}

TEST(SocketModeE2e, DuplicatedAndRedeliveredEnvelopesRunOnce) {
  E2eStack stack(socketStack());
  ASSERT_TRUE(stackStarted(stack));
  auto twice = stack.slash("help", "U0ALICE001", {{"duplicate", true}});
  ASSERT_EQ(twice.value("status", 0), 200) << twice.dump();
  auto again = stack.slash("help", "U0ALICE001", {{"retries", 2}, {"retry_always", true}});
  ASSERT_EQ(again.value("status", 0), 200) << again.dump();
  std::map<std::string, int> acksPerEnvelope;
  std::set<std::string> connectionsOfFirst;
  waitUntil([&] { return fakeSocket(stack, "acks").size() >= 5; }, 10s, 50ms);
  for (const auto& a : fakeSocket(stack, "acks")) {
    if (a.value("acked_at_ms", json()).is_null()) continue;
    std::string id = a.value("envelope_id", "");
    ++acksPerEnvelope[id];
    if (id == twice.value("envelope_id", "")) connectionsOfFirst.insert(a["connection"].dump());
  }
  EXPECT_EQ(acksPerEnvelope[twice.value("envelope_id", "")], 2) << fakeSocket(stack, "acks").dump();
  EXPECT_EQ(connectionsOfFirst.size(), 2u) << "the duplicate was acked on its own connection";
  EXPECT_EQ(acksPerEnvelope[again.value("envelope_id", "")], 3);
  EXPECT_EQ(auditRows(stack, "command.help"), 2u) << "a copy ran";
  EXPECT_NE(metricsOf(stack).find(R"(patbot_socket_envelopes_total{type="slash_commands",outcome="duplicate"} 3)"),
            std::string::npos)
      << metricsOf(stack);
}

// A corporate network: everything to Slack — the Web API and the WebSocket — goes through the
// proxy named by the environment (HTTP_PROXY here, as the fakes are plain http:// and ws:// on
// loopback; HTTPS_PROXY is the same code for https:// and wss://); GitLab does not.
TEST(SocketModeE2e, SlackIsReachedThroughTheProxyAndGitLabIsNot) {
  http::testing::ConnectProxy proxy;
  StackOptions o = socketStack();
  o.extraEnv = {{"HTTP_PROXY", proxy.url()}};
  E2eStack stack(o);
  ASSERT_TRUE(stackStarted(stack));
  auto help = stack.slash("status");
  ASSERT_EQ(help.value("status", 0), 200) << help.dump();
  EXPECT_FALSE(stack.messagesFor(help["response_url"], 1).empty());
  auto seen = proxy.requests();
  std::string all;
  for (const auto& r : seen) all += r + "\n";
  const std::string slackHostPort = stack.slackUrl.substr(std::string("http://").size());
  const std::string gitlabHostPort = stack.gitlabUrl.substr(std::string("http://").size());
  EXPECT_NE(all.find("POST http://" + slackHostPort + "/api/apps.connections.open"), std::string::npos) << all;
  EXPECT_GE(std::count_if(seen.begin(), seen.end(), [](const std::string& r) { return r.rfind("CONNECT ", 0) == 0; }), 2)
      << "both WebSockets through CONNECT:\n" << all;
  EXPECT_NE(all.find("POST http://" + slackHostPort + "/commands/"), std::string::npos) << "the response_url:\n" << all;
  EXPECT_EQ(all.find(gitlabHostPort), std::string::npos) << "GitLab went through the Slack proxy:\n" << all;
}

// 3,000 tokens (500 accounts × 6) and one rotation hanging on its verify pipeline: every ack
// still arrives within Slack's 3 s.
TEST(SocketModeE2e, AcksStayWithinThreeSecondsWhileARotationAndABigStatusRun) {
  Policy policy;
  policy.tokens[0].account = "svc-0001";   // generatedSeed: its first token is the one the consumers hold
  policy.tokens[0].name = "ci-deploy-1";
  StackOptions o;
  o.accounts = 500;
  o.tokensPerAccount = 6;
  o.policyToml = policyToml(policy);
  o.gitlabArgs = {"--latency-ms", "20"};
  E2eStack stack(socketStack(o));
  ASSERT_TRUE(stackStarted(stack));
  ASSERT_TRUE(gitLabReachable(stack));
  ASSERT_EQ(setGitLabFaults(stack, {{"hang", true},
                                    {"hang_method", "GET"},
                                    {"hang_path_prefix", "/api/v4/projects/sec/inventory-builder/pipelines"}}),
            200);
  auto rotation = stack.slash("rotate svc-0001/ci-deploy-1 --yes");
  ASSERT_EQ(rotation.value("status", 0), 200) << rotation.dump();
  auto status = stack.slash("status --all");
  ASSERT_EQ(status.value("status", 0), 200) << status.dump();
  std::vector<json> helps;
  for (int i = 0; i < 30; ++i) helps.push_back(stack.slash("help"));
  auto statusMessages = stack.messagesFor(status["response_url"], 1, 60s);
  EXPECT_FALSE(statusMessages.empty()) << "/pat status --all never answered";
  EXPECT_TRUE(waitUntil([&] { return heldGitLabCalls(stack) >= 1; }, 30s, 50ms)) << "the rotation never reached its pipeline";

  int64_t worst = 0;
  size_t acked = 0;
  for (const auto& a : fakeSocket(stack, "acks")) {
    if (a.value("latency_ms", json()).is_null()) continue;
    worst = std::max(worst, a["latency_ms"].get<int64_t>());
    ++acked;
  }
  EXPECT_GE(acked, 32u);
  EXPECT_LT(worst, 3000) << "an ack took longer than Slack waits";
  std::printf("[ socket ] %zu acks during a rotation and a 3,000-token status: slowest %lld ms\n", acked,
              static_cast<long long>(worst));
}

}  // namespace
}  // namespace patbot::e2e
