// fake_kubernetes: the simulated Kubernetes Secrets API (sim/fake_kubernetes.h) as a process.
//   fake_kubernetes [--host 127.0.0.1] [--port 0] [--seed FILE] [--port-file FILE]
// Prints one line "fake_kubernetes listening on http://HOST:PORT" and serves until SIGINT or SIGTERM.
#include "sim/fake_kubernetes.h"
#include "tests/fakes/sink_server.h"

int main(int argc, char** argv) {
  return patbot::fakes::runSinkServer<patbot::fakes::FakeKubernetes>(
      "fake_kubernetes", "Simulated Kubernetes core/v1 Secrets API for tests", argc, argv);
}
