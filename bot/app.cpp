#include "bot/app.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "bot/audit_head_publisher.h"
#include "bot/command_registry.h"
#include "bot/gitlab_options.h"
#include "bot/command_service.h"
#include "bot/executor.h"
#include "bot/observed_gitlab_api.h"
#include "bot/slack_endpoints.h"
#include "bot/socket_mode_envelopes.h"
#include "bot/socket_mode_receiver.h"
#include "core/request_context.h"
#include "gitlab/rest_gitlab_api.h"
#include "handlers/cached_inventory.h"
#include "handlers/expiry_watcher.h"
#include "handlers/outbox_notifier.h"
#include "handlers/pat_audit_handler.h"
#include "handlers/pat_help_handler.h"
#include "handlers/pat_revoke_handler.h"
#include "handlers/pat_rotate_handler.h"
#include "handlers/rotation_actions.h"
#include "handlers/rotation_messages.h"
#include "handlers/token_operations.h"
#include "handlers/rotation_engine.h"
#include "handlers/rotation_engine_parts.h"
#include "handlers/pat_status_handler.h"
#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "http/url.h"
#include "http/websocket_client.h"
#include "slack/block_kit.h"
#include "slack/signature_verifier.h"
#include "slack/slack_notifier.h"
#include "slack/socket_mode_opener.h"
#include "storage/confirmation_store.h"
#include "storage/database.h"
#include "storage/request_dedupe.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "storage/watcher_store.h"

namespace patbot {

// Declared in the order they must be built; destroyed in reverse (server first, executor
// before what its jobs use).
struct App::Parts {
  Config config;
  const Clock& clock;
  MetricsRegistry metrics;
  std::unique_ptr<http::Transport> gitlabTransport;
  std::unique_ptr<http::Transport> slackTransport;
  std::unique_ptr<gitlab::RestGitLabApi> restGitLab;
  std::unique_ptr<ObservedGitLabApi> gitlab;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::SqliteAuditStore> audit;
  std::unique_ptr<storage::RotationJournal> journal;
  std::unique_ptr<storage::ConfirmationStore> confirmations;
  std::unique_ptr<storage::RequestDedupe> dedupe;
  handlers::RotationEngineParts rotation;   // the engine, the watcher's store, its tracking issues
  handlers::RotationEngine* engine = nullptr;   // rotation.engine
  std::unique_ptr<slack::SlackNotifier> notifier;
  std::unique_ptr<slack::SignatureVerifier> verifier;
  std::unique_ptr<handlers::OutboxNotifier> outbox;   // every announcement; notifier behind the SQLite outbox
  std::unique_ptr<handlers::CachedInventory> inventory;   // the watcher's last scan, reused by /pat status
  std::unique_ptr<handlers::ExpiryWatcher> watcher;   // after the engine, outbox, cache and store it uses
  std::unique_ptr<handlers::TokenOperations> operations;   // used by the rotate / revoke handlers and buttons
  std::unique_ptr<AuditHeadPublisher> auditHead;      // posts through the outbox
  CommandRegistry registry;
  std::unique_ptr<ThreadPoolExecutor> executor;       // handlers::Lane::kQuick
  std::unique_ptr<ThreadPoolExecutor> longExecutor;   // handlers::Lane::kLong, clicks, start-up recovery
  std::unique_ptr<CommandService> commands;
  std::unique_ptr<SlackEndpoints> endpoints;               // HTTP mode only
  Secret slackAppToken;                                     // Socket Mode only, from here on its one copy
  std::unique_ptr<SocketModeEnvelopes> envelopes;           // Socket Mode only
  std::unique_ptr<SocketModeReceiver> socketReceiver;       // Socket Mode only
  http::Router router;
  std::unique_ptr<http::Server> server;
  // The revoke scheduler: runs due grace-period revokes once a minute.
  std::mutex schedulerMutex;
  std::condition_variable schedulerWake;
  bool schedulerStop = false;
  std::thread scheduler;

  AppOptions options;

  Parts(Config c, const Clock& k) : config(std::move(c)), clock(k) {}
  ~Parts() {
    if (server) server->stop();
    if (socketReceiver) socketReceiver->stop();
    stopScheduler();
    if (watcher) watcher->stop();
    if (longExecutor) longExecutor->shutdown(/*runQueued=*/false);
    if (executor) executor->shutdown(/*runQueued=*/false);
  }
  void stopScheduler() {
    {
      std::lock_guard lock(schedulerMutex);
      schedulerStop = true;
    }
    schedulerWake.notify_all();
    if (scheduler.joinable()) scheduler.join();
  }
};

namespace {

constexpr size_t kHttpThreads = 16;   // patbot serve's listener threads (see where the server is made)
constexpr size_t kCommandWorkers = 4;   // handlers::Lane::kQuick
// handlers::Lane::kLong: rotations at once (each mostly asleep between pipeline polls); more wait
// in the queue, without holding a command worker.
constexpr size_t kLongWorkers = 8;

std::string sourceLabel(const Config& config) {
  auto url = http::parseUrl(config.gitlabUrl);
  std::string host = url ? url->host : config.gitlabUrl;
  return config.gitlabGroup.empty() ? fmt::format("{} · instance service accounts", host)
                                    : fmt::format("{} · service accounts of group {}", host, config.gitlabGroup);
}

std::string endpointLabel(const std::string& path) {
  static const char* known[] = {"/slack/commands", "/slack/interactions", "/healthz", "/readyz", "/metrics"};
  for (const char* k : known) {
    if (path == k) return k;
  }
  return "other";
}

}  // namespace

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
App::~App() { stop(); }

Result<std::unique_ptr<App>> App::create(Config config, const Clock& clock, AppOptions options) {
  auto p = std::make_unique<Parts>(std::move(config), clock);
  p->options = options;
  const Config& c = p->config;

  p->metrics.declareCounter("patbot_http_requests_total", "HTTP requests by endpoint and status code.");
  p->metrics.declareCounter("patbot_gitlab_requests_total", "GitLab API calls by endpoint and status.");
  p->metrics.declareCounter("patbot_slack_requests_total", "Slack calls by method and status.");

  auto database = storage::Database::open(c.dbPath);
  if (!database) return database.error();
  p->database = std::move(*database);
  p->audit = std::make_unique<storage::SqliteAuditStore>(*p->database, clock);
  p->journal = std::make_unique<storage::RotationJournal>(*p->database, clock);
  p->confirmations = std::make_unique<storage::ConfirmationStore>(*p->database, clock);
  p->dedupe = std::make_unique<storage::RequestDedupe>(*p->database, clock);

  p->gitlabTransport = http::makeCpprestTransport(http::ClientOptions{c.gitlabCaFile, "patbot/" PATBOT_VERSION});
  http::ClientOptions slackClient{"", "patbot/" PATBOT_VERSION};
  slackClient.proxy = c.slackProxy;
  p->slackTransport = http::makeCpprestTransport(slackClient);

  gitlab::RestGitLabOptions gl = gitlabOptions(c, clock);
  gl.metrics = &p->metrics;
  p->restGitLab = std::make_unique<gitlab::RestGitLabApi>(*p->gitlabTransport, std::move(gl));
  p->gitlab = std::make_unique<ObservedGitLabApi>(*p->restGitLab, &clock);

  // The Slack secrets move out of the kept Config: one copy each, held by their user.
  p->notifier = std::make_unique<slack::SlackNotifier>(*p->slackTransport, c.slackApiUrl,
                                                       std::move(p->config.slackBotToken), clock, &p->metrics);
  p->verifier = std::make_unique<slack::SignatureVerifier>(std::move(p->config.slackSigningSecret), clock);

  handlers::EngineOptions engineOptions;
  engineOptions.metrics = &p->metrics;
  p->rotation = handlers::makeRotationEngine(*p->gitlab, *p->database, *p->journal, *p->audit, clock, p->config.policy,
                                             engineOptions);
  p->engine = p->rotation.engine.get();
  // Announcements go through the SQLite outbox: delayed, not lost, when Slack fails. The
  // watcher's thread retries them between its scans.
  p->outbox = std::make_unique<handlers::OutboxNotifier>(*p->rotation.watcherStore, *p->notifier, clock, p->metrics);
  // The watcher's scan, not offered once a token was created or revoked through p->gitlab since.
  p->inventory = std::make_unique<handlers::CachedInventory>(*p->rotation.watcherStore, clock, p->gitlab.get());
  handlers::WatcherOptions watcherOptions;
  watcherOptions.notifyChannel = c.notifyChannel;
  p->watcher = std::make_unique<handlers::ExpiryWatcher>(*p->gitlab, *p->rotation.watcherStore, *p->outbox,
                                                         *p->inventory, *p->rotation.trackingIssues, p->engine, clock,
                                                         p->config.policy, p->metrics, watcherOptions);
  p->auditHead = std::make_unique<AuditHeadPublisher>(*p->audit, clock, c.notifyChannel, *p->outbox);
  p->operations = std::make_unique<handlers::TokenOperations>(*p->engine, *p->gitlab, *p->confirmations, *p->notifier,
                                                              c.notifyChannel, *p->outbox);

  p->registry.add("help", "help", "Show this help.", handlers::Role::kReader, false,
                  std::make_unique<handlers::PatHelpHandler>(p->registry.usageLines()));
  p->registry.add("status", handlers::PatStatusHandler::kUsage,
                  "List service-account tokens with their expiry, most urgent first.", handlers::Role::kReader, false,
                  std::make_unique<handlers::PatStatusHandler>(*p->gitlab, clock, c.policy.expiringWindowDays(),
                                                               sourceLabel(c), p->inventory.get()));
  p->registry.add("audit", handlers::PatAuditHandler::kUsage, "The latest audit entries, newest first.",
                  handlers::Role::kReader, false, std::make_unique<handlers::PatAuditHandler>(*p->audit));
  p->registry.add("rotate", handlers::PatRotateHandler::kUsage,
                  "Replace a token: create, update its consumers, verify, then revoke the old one.",
                  handlers::Role::kOperator, true, std::make_unique<handlers::PatRotateHandler>(*p->operations));
  p->registry.add("revoke", handlers::PatRevokeHandler::kUsage, "Revoke a token (after confirmation).",
                  handlers::Role::kOperator, true, std::make_unique<handlers::PatRevokeHandler>(*p->operations));
  // The buttons, with the role a clicker needs (SPEC §3: re-authorise the clicker).
  p->registry.addAction(handlers::kConfirmAction, handlers::Role::kOperator, true,
                        std::make_shared<handlers::ConfirmAction>(*p->operations));
  p->registry.addAction(handlers::kCancelAction, handlers::Role::kReader, false,
                        std::make_shared<handlers::CancelAction>(*p->operations));
  auto decide = std::make_shared<handlers::DecisionAction>(*p->operations);
  for (const auto& id : handlers::DecisionAction::actionIds()) {
    p->registry.addAction(id, handlers::Role::kOperator, true, decide);
  }
  p->registry.addAction(handlers::kDigestRotateAction, handlers::Role::kOperator, false,
                        std::make_shared<handlers::DigestRotateAction>(*p->operations));

  // Two lanes (handlers::Lane): the command workers answer /pat status and the like in seconds;
  // work that may wait minutes on GitLab (rotations polling a verify pipeline, the button clicks
  // that run or retry one, start-up recovery) has workers of its own, so it never stalls them.
  p->executor = std::make_unique<ThreadPoolExecutor>(kCommandWorkers, 1000);
  p->longExecutor = std::make_unique<ThreadPoolExecutor>(kLongWorkers, 100);
  p->commands = std::make_unique<CommandService>(p->registry, c.policy.access, *p->audit, *p->dedupe, *p->executor,
                                                 *p->longExecutor, *p->notifier, p->metrics, clock);

  Parts* raw = p.get();   // the route handlers, the receiver and the server reach the parts through it
  if (c.socketMode()) {
    // Socket Mode: Slack is reached over outbound WebSockets; the HTTP listener serves only
    // /healthz, /readyz and /metrics.
    p->slackAppToken = std::move(p->config.slackAppToken);
    p->envelopes = std::make_unique<SocketModeEnvelopes>(*p->commands, p->metrics, clock);
    http::WebSocketOptions socketOptions;
    socketOptions.userAgent = "patbot/" PATBOT_VERSION;
    socketOptions.proxy = c.slackProxy;
    SocketModeOptions receiverOptions;
    receiverOptions.connections = c.socketConnections;
    p->socketReceiver = std::make_unique<SocketModeReceiver>(
        [raw] { return slack::openSocketModeConnection(*raw->slackTransport, raw->config.slackApiUrl, raw->slackAppToken); },
        [socketOptions](const std::string& url) { return http::connectWebSocket(url, socketOptions); },
        *p->envelopes, p->metrics, receiverOptions);
  } else {
    p->endpoints = std::make_unique<SlackEndpoints>(*p->verifier, *p->commands, *p->audit, p->metrics, clock);
    p->router.add("POST", "/slack/commands", [raw](const http::Request& r) { return raw->endpoints->commands(r); });
    p->router.add("POST", "/slack/interactions",
                  [raw](const http::Request& r) { return raw->endpoints->interactions(r); });
  }
  p->router.add("GET", "/healthz", [](const http::Request&) { return http::Response::text(200, "ok"); });
  p->router.add("GET", "/readyz", [raw](const http::Request&) {
    if (!raw->database->healthy()) return http::Response::text(503, "database: not usable");
    auto problem = raw->gitlab->problem();
    if (!problem.empty()) return http::Response::text(503, "gitlab: " + problem);
    if (raw->socketReceiver && raw->socketReceiver->openConnections() == 0) {
      auto fatal = raw->socketReceiver->fatalError();
      return http::Response::text(503, "slack: " + (fatal ? *fatal : std::string("no Socket Mode connection open")));
    }
    return http::Response::text(200, "ready");
  });
  p->router.add("GET", "/metrics", [raw](const http::Request&) {
    http::Response r = http::Response::text(200, raw->metrics.render());
    r.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });

  http::ServerOptions so;
  so.host = c.listenHost;
  so.port = c.listenPort;
  // Handlers run on these threads and wait for the audit row of their ack to be on disk (one
  // fsync, synchronous = FULL; rows queued meanwhile share the next one) or, with the database
  // locked by another process, for SQLite's busy timeout. A waiting thread sleeps: sixteen let up
  // to sixteen acks share one fsync (bench/README.md, 2026-12-06: 4 threads gave half the rate).
  so.threads = kHttpThreads;
  p->server = http::makeBeastServer(so, [raw](const http::Request& r) {
    http::Response response = raw->router.handle(r);
    raw->metrics.inc("patbot_http_requests_total",
                     {{"endpoint", endpointLabel(r.path)}, {"code", std::to_string(response.status)}});
    return response;
  });
  return std::unique_ptr<App>(new App(std::move(p)));
}

Status App::start() {
  if (auto s = parts_->server->start(); !s) return s;
  if (parts_->socketReceiver) {
    spdlog::info("patbot {} in Socket Mode: {} connection(s) to Slack; health and metrics on http://{}:{}",
                 PATBOT_VERSION, parts_->config.socketConnections, parts_->config.listenHost, port());
    parts_->socketReceiver->start();
  } else {
    spdlog::info("patbot {} listening on http://{}:{}", PATBOT_VERSION, parts_->config.listenHost, port());
  }
  // First GitLab call: tells the operator at once whether the token works, and sets /readyz.
  Parts* raw = parts_.get();
  parts_->longExecutor->post(newRequestId(), [raw] {
    auto self = raw->gitlab->selfToken();
    if (self) {
      spdlog::info("GitLab reachable; patbot's token is '{}' (id {}), scopes {}", self->name, self->id,
                   fmt::join(self->scopes, ","));
    } else {
      spdlog::error("GitLab check failed: {}", self.error().message);
    }
    const std::string& tracking = raw->config.policy.watch.trackingProject;
    if (!tracking.empty()) {
      if (auto project = raw->gitlab->getProject(tracking); !project) {
        spdlog::error("[watch] tracking_project \"{}\" cannot be used, so no tracking issues will be opened: {}",
                      tracking, project.error().message);
      }
    }
    // Finish or undo rotations a crash or restart interrupted (SPEC §5.3) and say so.
    auto lines = raw->engine->recover();
    if (!lines.empty()) {
      std::string text = "patbot restarted and finished interrupted rotations:";
      for (const auto& l : lines) {
        spdlog::warn("recovery: {}", l);
        text += "\n• " + slack::escapeText(l);
      }
      (void)raw->outbox->post(raw->config.notifyChannel, slack::textMessage(text, false));   // it logs a failure
    }
  });
  if (parts_->options.startWatcher) parts_->watcher->start();
  // The revoke scheduler: at start (revokes that fell due while patbot was down), then every minute.
  parts_->scheduler = std::thread([raw] {
    std::unique_lock lock(raw->schedulerMutex);
    do {
      lock.unlock();
      RequestScope scope(newRequestId());
      if (raw->endpoints) raw->endpoints->flushRejectedAudit();
      // Slack refuses a signature older than 5 minutes, so a day-old key can never come back.
      if (auto pruned = raw->dedupe->pruneOlderThan(std::chrono::hours(24)); !pruned) {
        spdlog::warn("could not prune the processed request keys: {}", pruned.error().message);
      }
      raw->auditHead->tick();   // once a day (the trail remembers when it last did)
      for (const auto& line : raw->engine->runDueRevokes()) {
        spdlog::info("revoke scheduler: {}", line);
        (void)raw->outbox->post(raw->config.notifyChannel,   // it logs a failure
                                slack::textMessage(":hourglass: " + slack::escapeText(line), false));
      }
      lock.lock();
    } while (!raw->schedulerWake.wait_for(lock, std::chrono::minutes(1), [raw] { return raw->schedulerStop; }));
  });
  return okStatus();
}

void App::stop() {
  if (!parts_) return;
  if (parts_->server) parts_->server->stop();
  if (parts_->socketReceiver) parts_->socketReceiver->stop();
  if (parts_->endpoints) parts_->endpoints->flushRejectedAudit(/*all=*/true);
  parts_->stopScheduler();
  if (parts_->watcher) parts_->watcher->stop();
  if (parts_->longExecutor) parts_->longExecutor->shutdown(/*runQueued=*/false);
  if (parts_->executor) parts_->executor->shutdown(/*runQueued=*/false);
}

uint16_t App::port() const { return parts_->server->port(); }
void App::drain() {
  parts_->longExecutor->drain();
  parts_->executor->drain();
}
MetricsRegistry& App::metrics() { return parts_->metrics; }
int App::socketConnectionsOpen() const {
  return parts_->socketReceiver ? parts_->socketReceiver->openConnections() : 0;
}
std::optional<std::string> App::fatalError() const {
  return parts_->socketReceiver ? parts_->socketReceiver->fatalError() : std::nullopt;
}
int App::runWatcherScan() {
  RequestScope scope(newRequestId());
  return parts_->watcher->runOnce().newlyAnnounced;
}
storage::AuditStore& App::audit() { return *parts_->audit; }

}  // namespace patbot
