#include <csignal>
#include <ctime>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <spdlog/spdlog.h>

#include "bot/app.h"
#include "bot/cli.h"
#include "bot/logging.h"
#include "http/server.h"

namespace patbot::cli {
namespace {

// glibc keeps memory freed by the I/O threads in their arenas, at the high-water mark of requests
// in flight (bench/README.md, soak of 2026-12-02: the arenas held three times their live data,
// and that mark crept up under a steady load). Handing free pages back once a minute keeps RSS at
// what is in use. Returns the stop signal that arrived, or 0 when the app reported a fatal error
// (looked at every second).
int waitForStopSignal(const sigset_t& stopSignals, const App& app) {
  const timespec second{1, 0};
  for (int seconds = 1;; ++seconds) {
    int received = sigtimedwait(&stopSignals, nullptr, &second);   // -1: a second passed (or EINTR)
    if (received > 0) return received;
    if (app.fatalError()) return 0;
#if defined(__GLIBC__)
    if (seconds % 60 == 0) malloc_trim(0);
#endif
  }
}

}  // namespace

int runServe(const EnvLookup& env) {
  auto config = loadConfig(ConfigNeeds::kServe, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, config->logLevel);
  logConfigWarnings(*config);

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

  int signal = waitForStopSignal(stopSignals, **app);
  if (signal == 0) {
    // One line, as every fatal CLI error (the receiver does not log it itself).
    std::string why = *(*app)->fatalError();
    (*app)->stop();
    return fail(why, 1);
  }
  spdlog::info("received signal {}, stopping", signal);
  (*app)->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace patbot::cli
