// App: the composition root of `patbot serve` (and of the demo, which runs the same App against
// the fakes). It is the only place that knows every concrete class. Construction opens the
// database and builds the object graph; start() binds the HTTP server; stop() stops it and
// finishes queued background work.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bot/config.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/result.h"

namespace patbot {

namespace storage {
class AuditStore;
}

struct AppOptions {
  // false: the expiry watcher does not scan by itself; runWatcherScan() does (the demo, tests).
  bool startWatcher = true;
};

class App {
 public:
  static Result<std::unique_ptr<App>> create(Config config, const Clock& clock, AppOptions options = {});
  ~App();

  Status start();
  // Stops serving; jobs still queued are dropped (a stopping process must not run for minutes),
  // jobs already running finish. Interrupted rotations are completed by recover() at the next start.
  void stop();
  uint16_t port() const;
  // Waits until no background job is queued or running.
  void drain();

  // One expiry-watcher scan now, its digest posted before it returns; the number of tokens the
  // digest announced.
  int runWatcherScan();

  // Set when serving cannot go on (Socket Mode: Slack refused the app token or turned Socket
  // Mode off): the one sentence to exit with. Any thread.
  std::optional<std::string> fatalError() const;
  // Socket Mode connections open now (0 over HTTP). Any thread.
  int socketConnectionsOpen() const;

  MetricsRegistry& metrics();
  storage::AuditStore& audit();

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace patbot
