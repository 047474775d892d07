// fake_gitlab: the simulated GitLab as a process, for end-to-end tests and benches.
//   fake_gitlab [--host 127.0.0.1] [--port 0] [--seed FILE | --generate ACCOUNTS,TOKENS]
//               [--group-mode] [--latency-ms N] [--rate-429 P] [--rate-500 P] [--port-file FILE]
//               [--drop-proxy]
// Prints one line "fake_gitlab listening on http://HOST:PORT" once it accepts connections and
// serves until SIGINT or SIGTERM. Without --seed or --generate it serves demoSeed(today).
// --drop-proxy puts a TCP front (drop_proxy.h) on HOST:PORT, in front of the server on a port of
// its own, so that the drop_* faults can close connections without answering.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "http/server.h"
#include "sim/fake_gitlab.h"
#include "sim/seeds.h"
#include "tests/fakes/drop_proxy.h"

namespace {

int fail(const std::string& message) {
  std::cerr << "fake_gitlab: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace patbot;
  CLI::App cli{"Simulated GitLab REST API for tests and benches"};
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string seedFile, generate, portFile;
  bool groupMode = false;
  bool dropProxy = false;
  fakes::Faults faults;
  cli.add_option("--host", host, "address to bind");
  cli.add_option("--port", port, "port (0 = any free port)");
  auto* seedOpt = cli.add_option("--seed", seedFile, "seed JSON file (format in fake_gitlab.h)");
  cli.add_option("--generate", generate, "generate ACCOUNTS,TOKENS service accounts and tokens")->excludes(seedOpt);
  cli.add_flag("--group-mode", groupMode, "generated accounts belong to group sec (265)");
  cli.add_option("--latency-ms", faults.latencyMs, "latency added to every /api/v4 answer");
  cli.add_option("--rate-429", faults.rate429, "probability of a 429")->check(CLI::Range(0.0, 1.0));
  cli.add_option("--rate-500", faults.rate500, "probability of a 500")->check(CLI::Range(0.0, 1.0));
  cli.add_option("--port-file", portFile, "write the bound port to this file");
  cli.add_flag("--drop-proxy", dropProxy, "serve through a TCP front that can drop connections (drop_* faults)");
  CLI11_PARSE(cli, argc, argv);

  // stdout carries exactly the one "listening on" line; the http layer's own log lines (its info
  // line also says "listening on") go to stderr, warnings and worse only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("fake_gitlab"));
  spdlog::set_level(spdlog::level::warn);

  static SystemClock clock;
  Date today = utcDay(clock.now());
  nlohmann::json seed;
  if (!seedFile.empty()) {
    std::ifstream in(seedFile);
    if (!in) return fail("cannot read " + seedFile);
    seed = nlohmann::json::parse(in, nullptr, false);
    if (seed.is_discarded()) return fail(seedFile + " is not JSON");
  } else if (!generate.empty()) {
    int accounts = 0, tokens = 0;
    char comma = 0;
    std::istringstream parse(generate);
    if (!(parse >> accounts >> comma >> tokens) || comma != ',' || accounts < 0 || tokens < 0) {
      return fail("--generate wants ACCOUNTS,TOKENS, e.g. 500,6");
    }
    seed = fakes::generatedSeed(accounts, tokens, today, groupMode);
  } else {
    seed = fakes::demoSeed(today);
  }

  // Handlers sleep for injected latency and hangs, so the pool must exceed the bot's
  // GITLAB_CONCURRENCY (64 in latency tests).
  http::configureIoThreads(72);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    fakes::FakeGitLab gitlab(seed, clock);
    gitlab.setFaults(faults);
    gitlab.setDropsSupported(dropProxy);
    auto server = http::makeCpprestServer({host, dropProxy ? uint16_t{0} : port, 64 * 1024 * 1024},
                                          [&](const http::Request& r) { return gitlab.handle(r); });
    if (auto s = server->start(); !s) return fail("cannot listen: " + s.error().message);
    std::unique_ptr<fakes::DropProxy> front;
    uint16_t publicPort = server->port();
    if (dropProxy) {
      front = std::make_unique<fakes::DropProxy>(host, server->port());
      if (auto s = front->start(port); !s) return fail("cannot listen: " + s.error().message + " " + s.error().detail);
      publicPort = front->port();
    }
    if (!portFile.empty()) {
      std::string tmp = portFile + ".tmp";
      std::ofstream(tmp) << publicPort << "\n";
      std::rename(tmp.c_str(), portFile.c_str());
    }
    std::cout << "fake_gitlab listening on http://" << host << ":" << publicPort << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    gitlab.setFaults({});
    if (front) front->stop();
    server->stop();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}
