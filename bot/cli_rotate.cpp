#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "bot/cli.h"
#include "bot/gitlab_options.h"
#include "bot/logging.h"
#include "gitlab/rest_gitlab_api.h"
#include "handlers/rotation_engine.h"
#include "handlers/rotation_engine_parts.h"
#include "handlers/rotation_messages.h"
#include "http/client.h"
#include "slack/terminal_renderer.h"
#include "storage/database.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"

namespace patbot::cli {
namespace {

// Prints each step as it changes, on a terminal; only the final state when piped.
class TerminalProgress final : public handlers::ProgressSink {
 public:
  explicit TerminalProgress(bool live) : live_(live) {}
  void show(const handlers::RotationProgress& progress) override {
    last_ = handlers::progressLines(progress);
    if (live_) std::cerr << last_ << std::flush;
  }
  const std::string& last() const { return last_; }
  // --reveal's delivery step: the value goes to stdout before anything is revoked; a write that
  // fails (closed pipe, full disk) is a failed delivery.
  Status reveal(const std::string&, const Secret& value) override {
    std::cout << "New token value (shown once; store it now): " << value.reveal() << std::endl;
    if (!std::cout) return Error::make(ErrorKind::kUnavailable, "standard output could not be written");
    return okStatus();
  }

 private:
  bool live_;
  std::string last_;
};

std::string cliActor() {
  const char* user = std::getenv("USER");
  if (!user || !*user) user = getlogin();
  return std::string("cli:") + (user && *user ? user : "unknown");
}

std::string randomKey() {
  std::random_device rd;
  return fmt::format("cli:{:08x}{:08x}", rd(), rd());
}

}  // namespace

int runRotate(const EnvLookup& env, const RotateOptions& options) {
  auto config = loadConfig(ConfigNeeds::kGitLab, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, config->logLevel == "info" ? "warn" : config->logLevel);
  logConfigWarnings(*config);

  auto database = storage::Database::open(config->dbPath);
  if (!database) return fail(database.error().message);
  SystemClock clock;
  storage::SqliteAuditStore audit(**database, clock);
  storage::RotationJournal journal(**database, clock);
  auto transport = http::makeCpprestTransport(http::ClientOptions{config->gitlabCaFile, "patbot/" PATBOT_VERSION});
  gitlab::RestGitLabOptions gl = gitlabOptions(*config, clock);
  gitlab::RestGitLabApi api(*transport, std::move(gl));
  handlers::EngineOptions eo;
  if (options.pollSeconds) eo.pipelinePollInterval = std::chrono::seconds(*options.pollSeconds);
  auto parts = handlers::makeRotationEngine(api, **database, journal, audit, clock, config->policy, eo);
  handlers::RotationEngine& engine = *parts.engine;

  handlers::RotationRequest request{options.token, options.expiresInDays, options.dryRun, options.immediate,
                                    options.reveal, cliActor(), randomKey(), "",
                                    parseStrategy(options.strategy)};
  auto plan = engine.plan(request);
  if (!plan) return fail(fmt::format("cannot rotate {}: {}", options.token, plan.error().message));
  std::cout << slack::renderForTerminal(handlers::planMessage(*plan, "", options.dryRun)) << std::flush;
  if (plan->blockedBy) {
    std::cout << slack::renderForTerminal(handlers::pendingRotationMessage(plan->target(), *plan->blockedBy)) << std::flush;
    if (!options.dryRun) {
      return fail(fmt::format("rotation #{} of this token is unfinished ({}); decide it in Slack first",
                              plan->blockedBy->rotationId, storage::rotationStateName(plan->blockedBy->state)));
    }
  }
  if (options.dryRun) return 0;
  if (!options.yes) {
    if (!isatty(STDIN_FILENO)) return fail("refusing to rotate without confirmation: add --yes when not on a terminal");
    std::cout << "Type yes to rotate: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") return fail("not confirmed; nothing was changed", 1);
  }
  TerminalProgress progress(isatty(STDERR_FILENO) != 0);
  auto result = engine.execute(*plan, request, progress);
  if (!result) return fail(result.error().message);
  if (!isatty(STDERR_FILENO)) std::cout << progress.last();
  std::cout << result->summary << std::endl;
  bool ok = result->state == storage::RotationState::kCompleted || result->state == storage::RotationState::kRevokeScheduled;
  return ok ? 0 : 1;
}

}  // namespace patbot::cli
