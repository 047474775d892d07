// runSinkServer: the shared main of the fake_vault and fake_kubernetes processes. Parses
//   NAME [--host 127.0.0.1] [--port 0] [--seed FILE] [--port-file FILE]
// builds the fake from the seed ({} without --seed), serves it with the cpprest server, prints
// exactly one line "NAME listening on http://HOST:PORT" on stdout once it accepts connections (the
// line tests/e2e waits for, as with fake_gitlab), and serves until SIGINT or SIGTERM (exit 0).
// Exit 1, with the reason on stderr, when the seed cannot be read or the port cannot be bound.
#pragma once

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "http/server.h"

namespace patbot::fakes {

template <typename Fake>
int runSinkServer(const std::string& name, const std::string& description, int argc, char** argv) {
  auto fail = [&](const std::string& message) {
    std::cerr << name << ": " << message << "\n";
    return 1;
  };
  CLI::App cli{description};
  std::string host = "127.0.0.1", seedFile, portFile;
  uint16_t port = 0;
  cli.add_option("--host", host, "address to bind");
  cli.add_option("--port", port, "port (0 = any free port)");
  cli.add_option("--seed", seedFile, "seed JSON file (format in sim/README.md)");
  cli.add_option("--port-file", portFile, "write the bound port to this file");
  CLI11_PARSE(cli, argc, argv);

  // stdout carries exactly the one "listening on" line; the http layer logs to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt(name));
  spdlog::set_level(spdlog::level::warn);

  nlohmann::json seed = nlohmann::json::object();
  if (!seedFile.empty()) {
    std::ifstream in(seedFile);
    if (!in) return fail("cannot read " + seedFile);
    seed = nlohmann::json::parse(in, nullptr, false);
    if (seed.is_discarded()) return fail(seedFile + " is not JSON");
  }
  // Hanging faults hold a server thread each.
  http::configureIoThreads(32);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  static SystemClock clock;
  try {
    Fake fake(seed, clock);
    auto server = http::makeCpprestServer({host, port, 16 * 1024 * 1024},
                                          [&](const http::Request& r) { return fake.handle(r); });
    if (auto s = server->start(); !s) return fail("cannot listen: " + s.error().message);
    if (!portFile.empty()) {
      std::string tmp = portFile + ".tmp";
      std::ofstream(tmp) << server->port() << "\n";
      std::rename(tmp.c_str(), portFile.c_str());
    }
    std::cout << name << " listening on http://" << host << ":" << server->port() << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    fake.handle({"POST", "/_fake/fault", "", {}, R"({"clear":true})", ""});   // release hung calls
    server->stop();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

}  // namespace patbot::fakes
