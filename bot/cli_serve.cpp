#include <csignal>

#include <spdlog/spdlog.h>

#include "bot/app.h"
#include "bot/cli.h"
#include "bot/logging.h"
#include "http/server.h"

namespace patbot::cli {

int runServe(const EnvLookup& env) {
  auto config = loadConfig(ConfigNeeds::kServe, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, config->logLevel);

  // Block the stop signals before any thread exists, so only sigwait below receives them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  // A few I/O threads serve many connections better than cpprest's default 40 (DESIGN.md).
  http::configureIoThreads(8);
  static SystemClock clock;
  auto app = App::create(std::move(*config), clock);
  if (!app) return fail(app.error().message);
  if (auto started = (*app)->start(); !started) return fail(started.error().message);

  int signal = 0;
  sigwait(&stopSignals, &signal);
  spdlog::info("received signal {}, stopping", signal);
  (*app)->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace patbot::cli
