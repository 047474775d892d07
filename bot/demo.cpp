// `patbot demo`: the whole loop on one machine with no accounts. A simulated GitLab and a
// simulated Slack run on loopback in this process, the real bot (App) serves between them, and
// a scripted conversation goes through real signed HTTP requests. Every Slack message is
// printed as a person would read it.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bot/app.h"
#include "bot/cli.h"
#include "bot/demo.h"
#include "bot/logging.h"
#include "http/client.h"
#include "http/server.h"
#include "sim/fake_gitlab.h"
#include "sim/fake_slack.h"
#include "sim/seeds.h"
#include "slack/message.h"
#include "slack/terminal_renderer.h"
#include "storage/audit_store.h"

namespace patbot::cli {
namespace {

constexpr const char* kAlice = "U0ALICE001";   // an operator
constexpr const char* kBob = "U0BOB00001";     // a reader
constexpr const char* kChannel = "C0PATBOT01";

std::string randomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xff);
  return out;
}

http::Request jsonRequest(const std::string& method, const std::string& path, const nlohmann::json& body) {
  http::Request r;
  r.method = method;
  r.path = path;
  r.headers["content-type"] = "application/json";
  r.body = body.is_null() ? "" : body.dump();
  return r;
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

slack::Message messageFromJson(const nlohmann::json& j) {
  slack::Message m;
  m.text = j.value("text", "");
  if (j.contains("blocks") && j["blocks"].is_array()) m.blocks = j["blocks"];
  m.ephemeral = j.value("response_type", "ephemeral") != "in_channel";
  return m;
}

class Conversation {
 public:
  // Clicks a button of the last message that had one, as `user`.
  bool click(const std::string& user, const std::string& actionId) {
    std::cout << "\n" << names_[user] << " clicks [" << (actionId == "pat_confirm" ? "Confirm rotation" : actionId) << "]\n";
    auto answer = slack_.handle(jsonRequest("POST", "/_fake/click",
                                            {{"user_id", user}, {"channel_id", kChannel}, {"action_id", actionId},
                                             {"value", lastConfirmation_}}));
    auto sent = nlohmann::json::parse(answer.body, nullptr, false);
    if (sent.is_discarded() || sent.value("status", 0) != 200) {
      std::cout << "  (Slack could not deliver the click: " << answer.body << ")\n";
      return false;
    }
    app_.drain();
    printNewMessages();
    return true;
  }

  // The expiry watcher's scan (patbot serve runs it at start and every [watch] interval_minutes).
  bool watcherScan() {
    std::cout << "\n(the expiry watcher scans GitLab, as patbot serve does at start and every 6 hours)\n";
    int announced = app_.runWatcherScan();
    printNewMessages();
    return announced > 0;
  }

  static std::string confirmationIn(const nlohmann::json& body) {
    for (const auto& b : body.value("blocks", nlohmann::json::array())) {
      if (b.value("type", "") != "actions") continue;
      for (const auto& e : b.value("elements", nlohmann::json::array())) {
        if (e.value("action_id", "") == "pat_confirm") return e.value("value", "");
      }
    }
    return "";
  }

  Conversation(fakes::FakeSlack& slack, App& app, std::map<std::string, std::string> names)
      : slack_(slack), app_(app), names_(std::move(names)) {}

  // Types `/pat <text>` as `user`, prints the ack and everything patbot posts afterwards.
  bool say(const std::string& user, const std::string& text) {
    std::cout << "\n" << names_[user] << " › /pat " << text << "\n";
    auto answer = slack_.handle(jsonRequest("POST", "/_fake/slash",
                                            {{"text", text}, {"user_id", user}, {"user_name", names_[user]},
                                             {"channel_id", kChannel}, {"command", "/pat"}}));
    auto sent = nlohmann::json::parse(answer.body, nullptr, false);
    if (sent.is_discarded() || !sent.value("error", nlohmann::json()).is_null() || sent.value("status", 0) != 200) {
      std::cout << "  (Slack could not deliver the command: " << answer.body << ")\n";
      return false;
    }
    auto ack = nlohmann::json::parse(sent.value("body", ""), nullptr, false);
    if (!ack.is_discarded() && ack.is_object()) {
      std::cout << "patbot (only visible to you, answered in " << sent.value("elapsed_ms", 0) << " ms) ›\n"
                << indent(slack::renderForTerminal(messageFromJson(ack)), "  ");
    }
    app_.drain();
    printNewMessages();
    return true;
  }

  void printNewMessages() {
    auto answer = slack_.handle(jsonRequest("GET", "/_fake/messages", nullptr));
    auto all = nlohmann::json::parse(answer.body, nullptr, false);
    if (!all.is_array()) return;
    for (const auto& m : all) {
      int64_t seq = m.value("seq", int64_t{0});
      if (seq <= lastSeq_) continue;
      lastSeq_ = seq;
      auto body = m.value("message", nlohmann::json::object());
      auto msg = messageFromJson(body);
      std::string via = m.value("via", "");
      if (via != "response_url") msg.ephemeral = false;
      if (via == "response_url" && body.value("replace_original", false)) via = "replaces the message above";
      std::string where = via == "chat.update" ? "edits its message in #patbot-demo"
                          : via == "replaces the message above" ? via
                          : msg.ephemeral ? "only visible to you" : "in #patbot-demo";
      lastConfirmation_ = confirmationIn(body).empty() ? lastConfirmation_ : confirmationIn(body);
      std::cout << "patbot (" << where << ") ›\n" << indent(slack::renderForTerminal(msg), "  ");
    }
  }

 private:
  fakes::FakeSlack& slack_;
  App& app_;
  std::map<std::string, std::string> names_;
  int64_t lastSeq_ = 0;
  std::string lastConfirmation_;
};

}  // namespace

int runDemo(const DemoOptions& options) {
  setupLogging("text", "error");
  http::configureIoThreads(16);
  static SystemClock clock;
  auto today = utcDay(clock.now());

  // Simulated GitLab.
  auto seed = fakes::demoSeed(today);
  fakes::FakeGitLab gitlab(seed, clock);
  auto gitlabServer = http::makeCpprestServer({"127.0.0.1", 0, 64 * 1024 * 16},
                                              [&](const http::Request& r) { return gitlab.handle(r); });
  if (auto s = gitlabServer->start(); !s) return fail("demo: cannot start the simulated GitLab: " + s.error().message);
  std::string gitlabUrl = fmt::format("http://127.0.0.1:{}", gitlabServer->port());

  // Simulated Slack.
  std::string signingSecret = randomHex(16);
  std::string botToken = "xoxb-demo-" + randomHex(12);
  auto slackTransport = http::makeCpprestTransport();
  std::string appToken = "xapp-1-A0DEMO0001-" + randomHex(12);
  fakes::FakeSlackOptions so;
  so.signingSecret = signingSecret;
  so.botToken = botToken;
  if (options.socketMode) so.appToken = appToken;
  fakes::FakeSlack slack(so, clock, *slackTransport);
  auto slackServer = http::makeCpprestServer({"127.0.0.1", 0, 64 * 1024 * 16},
                                             [&](const http::Request& r) { return slack.handle(r); });
  if (auto s = slackServer->start(); !s) return fail("demo: cannot start the simulated Slack: " + s.error().message);
  std::string slackUrl = fmt::format("http://127.0.0.1:{}", slackServer->port());
  slack.setSelfBaseUrl(slackUrl);

  // The real bot.
  auto dir = std::filesystem::temp_directory_path() / ("patbot-demo-" + randomHex(4));
  std::filesystem::create_directories(dir);
  Config config;
  config.listenHost = "127.0.0.1";
  config.listenPort = 0;
  if (options.socketMode) {
    config.slackAppToken = Secret(appToken);
  } else {
    config.slackSigningSecret = Secret(signingSecret);
  }
  config.slackBotToken = Secret(botToken);
  config.slackApiUrl = slackUrl + "/api";
  config.gitlabUrl = gitlabUrl;
  config.gitlabToken = Secret(fakes::adminTokenOf(seed));
  config.dbPath = (dir / "patbot.db").string();
  config.policy.access.operators = {kAlice};
  config.policy.access.readers = {"*"};
  config.notifyChannel = kChannel;
  TokenPolicy inventory;   // where the inventory token is used: what a rotation must update and check
  inventory.account = "inventory-bot";
  inventory.name = "GitLab Security Service - Architecture - Inventory";
  inventory.ciVariables = {{"sec/inventory-builder", "GITLAB_API_TOKEN", ""}};
  inventory.verifyPipeline = PipelineRef{"sec/inventory-builder", "main"};
  inventory.trackingIssue = IssueRef{"sec/team", 262};
  config.policy.tokens = {inventory};
  config.policy.watch.warnDays = {30, 14, 7, 3, 1};
  AppOptions appOptions;
  appOptions.startWatcher = false;   // the scan runs at a fixed point of the conversation below
  auto app = App::create(std::move(config), clock, appOptions);
  if (!app) return fail("demo: " + app.error().message);
  if (auto s = (*app)->start(); !s) return fail("demo: cannot start patbot: " + s.error().message);
  std::string botUrl = fmt::format("http://127.0.0.1:{}", (*app)->port());
  slack.setBotUrls(botUrl + "/slack/commands", botUrl + "/slack/interactions");
  if (options.socketMode) {
    // The conversation starts once the bot's connections have said hello.
    for (int i = 0; i < 200 && (*app)->socketConnectionsOpen() < 2 && !(*app)->fatalError(); ++i) {
      clock.sleepFor(std::chrono::milliseconds(50));
    }
    if ((*app)->socketConnectionsOpen() < 2) {
      return fail("demo: patbot opened no Socket Mode connection: " + (*app)->fatalError().value_or("timed out"));
    }
  }

  std::cout << "patbot demo — a simulated GitLab (" << gitlabUrl << ") and a simulated Slack (" << slackUrl
            << ")\non loopback, with the real bot (" << botUrl << ") between them. ";
  if (options.socketMode) {
    std::cout << "Socket Mode: patbot opened two\nWebSockets to the simulated Slack (ws://127.0.0.1:" << slack.socketPort()
              << "), and every command and click below arrives\nover them as an envelope that patbot acknowledges; "
                 "nothing connects to patbot but the health checks.\n";
  } else {
    std::cout << "Every request below is a\nreal HTTP request signed the way Slack signs it.\n";
  }

  Conversation talk(slack, **app, {{kAlice, "alice"}, {kBob, "bob"}});
  bool ok = talk.say(kAlice, "help") && talk.say(kAlice, "status") && talk.watcherScan() &&
            talk.say(kBob, "status --expiring 14") && talk.say(kBob, "status inventory") && talk.say(kBob, "frobnicate") &&
            talk.say(kBob, "rotate inventory-bot/\"GitLab Security Service - Architecture - Inventory\"") &&
            talk.say(kAlice, "rotate inventory-bot/\"GitLab Security Service - Architecture - Inventory\"") &&
            talk.click(kAlice, "pat_confirm") && talk.say(kAlice, "status inventory") &&
            talk.say(kBob, "audit --limit 8");

  auto verified = (*app)->audit().verify();
  std::cout << "\n$ patbot audit verify\n  "
            << (verified && !verified->firstBadId ? fmt::format("audit chain intact: {} rows verified", verified->rowsChecked)
                                                  : std::string("audit chain BROKEN"))
            << "\n";

  std::cout << "\nWhat happened: patbot answered every slash command within milliseconds and did the slow work\n"
               "in the background: the status table (most urgent first), the watcher's digest of tokens that need\n"
               "attention, then the rotation an operator confirmed —\n"
               "new token created with the same name and scopes, written to the CI/CD variable, checked against\n"
               "GitLab, proven by the pipeline, and only then the old token revoked and the tracking issue closed.\n"
               "A reader asking to rotate was refused. Every request and step is in the SQLite audit trail, whose\n"
               "hash chain verifies. Nobody logged in as the service account and no token value was shown.\n";

  if (options.keepRunning) {
    std::cout << "\nStill running (Ctrl-C to stop):\n"
              << "  curl " << botUrl << "/metrics\n  curl " << botUrl << "/readyz\n"
              << "  curl -X POST " << slackUrl << "/_fake/slash -d '{\"text\":\"status\",\"user_id\":\"" << kAlice
              << "\"}'\n  curl " << slackUrl << "/_fake/messages\n  curl " << gitlabUrl << "/_fake/calls\n";
    std::cout << std::flush;
    for (;;) clock.sleepFor(std::chrono::hours(1));
  }
  (*app)->stop();
  slackServer->stop();
  gitlabServer->stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  bool chainOk = verified && !verified->firstBadId;
  return ok && chainOk ? 0 : 1;
}

}  // namespace patbot::cli
