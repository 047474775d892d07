// fake_vault: the simulated Vault (sim/fake_vault.h) as a process, for end-to-end tests.
//   fake_vault [--host 127.0.0.1] [--port 0] [--seed FILE] [--port-file FILE]
// Prints one line "fake_vault listening on http://HOST:PORT" and serves until SIGINT or SIGTERM.
#include "sim/fake_vault.h"
#include "tests/fakes/sink_server.h"

int main(int argc, char** argv) {
  return patbot::fakes::runSinkServer<patbot::fakes::FakeVault>(
      "fake_vault", "Simulated HashiCorp Vault KV v2 for tests", argc, argv);
}
