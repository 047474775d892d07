// The patbot command line (SPEC §1). Each run* function is one subcommand: it prints its result
// on stdout, one-line errors on stderr ("patbot: <what is wrong>"), and returns the exit code.
// `patbot demo` is declared in bot/demo.h: it is a library of its own (patbot::demo).
#pragma once

#include <optional>
#include <string>

#include "bot/config.h"

namespace patbot::cli {

int runServe(const EnvLookup& env);

struct ScanOptions {
  bool json = false;
  int warnDays = 14;
};
// Exit 0 all fine, 1 some token expires within warnDays, 2 some token expired or the scan failed.
int runScan(const EnvLookup& env, const ScanOptions& options);

int runCheckConfig(const EnvLookup& env);

struct AuditOptions {
  int limit = 20;
  std::optional<std::string> token;
  std::optional<std::string> actor;
  std::optional<std::string> since;
  std::string format = "table";   // table | jsonl | csv
};
int runAudit(const EnvLookup& env, const AuditOptions& options);
struct AuditVerifyOptions {
  std::optional<std::string> expectHead;   // "ROW_ID:SHA256", as `patbot serve` publishes it
};
// Exit 0 when the chain is intact (and holds the expected head), 1 naming the first bad row or
// why the expected head is not there, 2 a malformed --expect-head or an unusable database.
int runAuditVerify(const EnvLookup& env, const AuditVerifyOptions& options = {});

struct RotateOptions {
  std::string token;
  std::optional<int> expiresInDays;
  bool yes = false;
  bool dryRun = false;
  bool immediate = false;
  bool reveal = false;
  std::string strategy;             // "", "rotate" or "replace"
  std::optional<int> pollSeconds;   // pipeline poll interval (tests use 0)
};
// Exit 0 rotated (or revoke scheduled), 1 stopped part-way (see the message), 2 nothing started.
int runRotate(const EnvLookup& env, const RotateOptions& options);

// Prints "patbot: <message>" on stderr and returns `code`.
int fail(const std::string& message, int code = 2);

// Logs Config::warnings at warn level; call right after setupLogging().
void logConfigWarnings(const Config& config);

}  // namespace patbot::cli
