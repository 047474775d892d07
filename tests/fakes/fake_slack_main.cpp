// fake_slack: the simulated Slack as a process, for end-to-end tests.
//   fake_slack [--host 127.0.0.1] [--port 0] [--bot-url http://127.0.0.1:8080] [--port-file FILE]
//              [--socket-port-file FILE]
// Secrets come from FAKE_SLACK_SIGNING_SECRET and FAKE_SLACK_BOT_TOKEN. FAKE_SLACK_APP_TOKEN (an
// xapp-… app-level token) turns Socket Mode on: a WebSocket server on the same host, any free
// port (apps.connections.open hands out its URLs; --socket-port-file writes the port). Prints
// exactly one line on stdout, "fake_slack listening on http://HOST:PORT", then serves until
// SIGINT or SIGTERM (exit 0).
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "http/client.h"
#include "http/server.h"
#include "sim/fake_slack.h"

namespace {

constexpr const char* kDefaultSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";  // Slack's documented example
constexpr const char* kDefaultBotToken = "xoxb-fake-0000-patbot";

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fake_slack: a simulated Slack for patbot tests"};
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string botUrl = "http://127.0.0.1:8080";
  std::string portFile;
  cli.add_option("--host", host, "address to bind");
  cli.add_option("--port", port, "port to bind (0 = any free port)");
  cli.add_option("--bot-url", botUrl, "base URL of the bot (…/slack/commands, …/slack/interactions)");
  cli.add_option("--port-file", portFile, "write the bound port to this file");
  std::string socketPortFile;
  cli.add_option("--socket-port-file", socketPortFile,
                 "write the Socket Mode WebSocket port to this file (needs FAKE_SLACK_APP_TOKEN)");
  CLI11_PARSE(cli, argc, argv);
  while (!botUrl.empty() && botUrl.back() == '/') botUrl.pop_back();
  // stdout carries only the "listening on" line that launchers wait for; library logs go to
  // stderr, warnings and worse only (the http layer's own "listening on" info line would match).
  spdlog::set_default_logger(spdlog::stderr_color_mt("fake_slack"));
  spdlog::set_level(spdlog::level::warn);

  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);  // before any thread starts

  patbot::fakes::FakeSlackOptions options;
  options.signingSecret = envOr("FAKE_SLACK_SIGNING_SECRET", kDefaultSigningSecret);
  options.botToken = envOr("FAKE_SLACK_BOT_TOKEN", kDefaultBotToken);
  options.botCommandsUrl = botUrl + "/slack/commands";
  options.botInteractionsUrl = botUrl + "/slack/interactions";
  options.appToken = envOr("FAKE_SLACK_APP_TOKEN", "");
  options.socketHost = host;

  patbot::SystemClock clock;
  auto transport = patbot::http::makeCpprestTransport();
  std::unique_ptr<patbot::fakes::FakeSlack> slackOwner;
  try {
    slackOwner = std::make_unique<patbot::fakes::FakeSlack>(options, clock, *transport);
  } catch (const std::exception& e) {
    std::cerr << "fake_slack: " << e.what() << "\n";
    return 1;
  }
  patbot::fakes::FakeSlack& slack = *slackOwner;
  patbot::http::ServerOptions serverOptions;
  serverOptions.host = host;
  serverOptions.port = port;
  serverOptions.maxBodyBytes = 1024 * 1024;
  auto server = patbot::http::makeCpprestServer(serverOptions,
                                                [&](const patbot::http::Request& r) { return slack.handle(r); });
  if (auto started = server->start(); !started) {
    std::cerr << "fake_slack: " << started.error().message << "\n";
    return 1;
  }
  std::string urlHost = host == "0.0.0.0" ? "127.0.0.1" : host;
  std::string selfUrl = fmt::format("http://{}:{}", urlHost, server->port());
  slack.setSelfBaseUrl(selfUrl);
  if (!portFile.empty()) {
    std::ofstream(portFile) << server->port() << "\n";
  }
  if (!socketPortFile.empty() && slack.socketPort() != 0) {
    std::ofstream(socketPortFile) << slack.socketPort() << "\n";
  }
  std::cout << "fake_slack listening on " << selfUrl << std::endl;

  int received = 0;
  sigwait(&stopSignals, &received);
  server->stop();
  return 0;
}
