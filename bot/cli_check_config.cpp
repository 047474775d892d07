#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bot/cli.h"
#include "bot/gitlab_options.h"
#include "bot/logging.h"
#include "gitlab/rest_gitlab_api.h"
#include "http/client.h"
#include "slack/socket_mode_opener.h"

namespace patbot::cli {
namespace {

std::string listOrNone(const std::vector<std::string>& v, const std::string& none) {
  return v.empty() ? none : fmt::format("{}", fmt::join(v, ", "));
}

// Asks Slack for a Socket Mode connection URL with the app token (the URL is not used: each is
// good for one connection and expires unused).
bool checkSocketMode(const Config& c) {
  http::ClientOptions options{"", "patbot/" PATBOT_VERSION};
  options.proxy = c.slackProxy;
  auto transport = http::makeCpprestTransport(options);
  auto url = slack::openSocketModeConnection(*transport, c.slackApiUrl, c.slackAppToken);
  if (!url) {
    std::cout << "Slack Socket Mode: FAILED — " << url.error().message << "\n";
    return false;
  }
  std::cout << "Slack Socket Mode: OK (apps.connections.open gave a connection URL)\n";
  return true;
}

}  // namespace

// One line per watched project and group: found, and what patbot's token may do with its access
// tokens there (Maintainer on a project, Owner on a group, or an administrator). False when one
// cannot be read or patbot may not manage its tokens.
namespace {

bool checkResources(gitlab::RestGitLabApi& api, const Policy& policy) {
  bool ok = true;
  for (const auto& r : policy.watchedResources()) {
    const std::string named = fmt::format("{} {}", tokenKindName(r.kind), r.path);
    auto resource = api.getResource(r.kind, r.path);
    if (!resource) {
      std::cout << fmt::format("{:<19}FAILED — {}\n", named + ":", resource.error().message);
      ok = false;
      continue;
    }
    auto access = api.callerAccess(*resource);
    if (!access) {
      std::cout << fmt::format("{:<19}FAILED — cannot read patbot's access: {}\n", named + ":", access.error().message);
      ok = false;
      continue;
    }
    const int need = r.kind == TokenKind::kGroup ? 50 : 40;
    if (access->admin) {
      std::cout << fmt::format("{:<19}patbot is an administrator: may list, rotate and replace its access tokens\n",
                               named + ":");
    } else if (access->level && *access->level >= need) {
      std::cout << fmt::format("{:<19}patbot is {}: may list, rotate and replace its access tokens up to {}\n",
                               named + ":", gitlab::accessLevelName(*access->level),
                               gitlab::accessLevelName(*access->level));
    } else {
      std::cout << fmt::format("{:<19}FAILED — patbot is {}; managing its access tokens needs {}\n", named + ":",
                               access->level ? gitlab::accessLevelName(*access->level) : "not a member",
                               gitlab::accessLevelName(need));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int runCheckConfig(const EnvLookup& env) {
  auto config = loadConfig(ConfigNeeds::kGitLab, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, config->logLevel == "info" ? "warn" : config->logLevel);
  logConfigWarnings(*config);
  const Config& c = *config;
  bool ok = true;

  std::cout << "configuration: OK" << (c.configPath.empty() ? " (no policy file; defaults)" : " (policy " + c.configPath + ")")
            << "\n";
  std::cout << "  listen:          " << c.listenHost << ":" << c.listenPort << "\n";
  std::cout << "  database:        " << c.dbPath << "\n";
  if (c.socketMode()) {
    std::cout << "  slack mode:      Socket Mode (SLACK_APP_TOKEN; " << c.socketConnections
              << " outbound connections, no inbound Slack endpoint)\n";
  } else {
    std::cout << "  slack mode:      HTTP (Slack posts to /slack/commands and /slack/interactions)\n";
    std::cout << "  slack signing:   "
              << (c.slackSigningSecret.empty() ? "MISSING (patbot serve needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)" : "set")
              << "\n";
  }
  std::cout << "  slack bot token: " << (c.slackBotToken.empty() ? "not set (replies only through response_url)" : "set") << "\n";
  std::cout << "  notify channel:  " << (c.notifyChannel.empty() ? "not set (the channel a command came from)" : c.notifyChannel) << "\n";
  std::cout << "  gitlab:          " << c.gitlabUrl << " ("
            << (c.gitlabGroup.empty() ? "instance mode: admin API" : "group mode: group " + c.gitlabGroup) << ", "
            << c.gitlabConcurrency << " requests in flight)\n";
  if (c.slackSigningSecret.empty() && !c.socketMode()) ok = false;
  if (c.socketMode()) ok = checkSocketMode(c) && ok;

  auto transport = http::makeCpprestTransport(http::ClientOptions{c.gitlabCaFile, "patbot/" PATBOT_VERSION});
  SystemClock clock;
  gitlab::RestGitLabOptions gl = gitlabOptions(c, clock);
  gl.operationDeadline = std::chrono::seconds(30);
  gitlab::RestGitLabApi api(*transport, std::move(gl));

  auto self = api.selfToken();
  if (!self) {
    std::cout << "GitLab token:      FAILED — " << self.error().message << "\n";
    ok = false;
  } else {
    std::cout << "GitLab token:      '" << self->name << "' (id " << self->id << ", user " << self->userId
              << "), scopes " << listOrNone(self->scopes, "none") << ", expires "
              << (self->expiresAt ? formatDate(*self->expiresAt) : std::string("never")) << "\n";
    bool hasApi = std::find(self->scopes.begin(), self->scopes.end(), "api") != self->scopes.end();
    if (!hasApi) {
      std::cout << "                   WARNING: without the api scope patbot can list but not rotate tokens\n";
    }
    auto accounts = api.listServiceAccounts();
    if (!accounts) {
      std::cout << "service accounts:  FAILED — " << accounts.error().message << "\n";
      ok = false;
    } else {
      std::cout << "service accounts:  " << accounts->size() << " visible\n";
    }
    // Admin Mode: an administrator's token without admin_mode gets a non-admin's 401/403 on the
    // admin API (reference/gitlab-api.md §1.2). GitLab does not tell a token whether it is on.
    bool hasAdminMode = std::find(self->scopes.begin(), self->scopes.end(), "admin_mode") != self->scopes.end();
    if (c.gitlabGroup.empty() && !hasAdminMode) {
      bool refused = !accounts && (accounts.error().kind == ErrorKind::kForbidden ||
                                   accounts.error().kind == ErrorKind::kUnauthorized);
      std::cout << "admin mode:        the token lacks the admin_mode scope, which GitLab requires of an "
                   "administrator's token when Admin Mode is on"
                << (refused ? ": set GITLAB_TOKEN to a token that has it" : " (not needed now: the admin API answered)")
                << "\n";
    }
    ok = checkResources(api, c.policy) && ok;
    if (!c.policy.watch.trackingProject.empty()) {
      auto project = api.getProject(c.policy.watch.trackingProject);
      if (!project) {
        std::cout << "tracking project:  FAILED — [watch] tracking_project \"" << c.policy.watch.trackingProject
                  << "\": " << project.error().message << "\n";
        ok = false;
      } else {
        std::cout << "tracking project:  " << project->pathWithNamespace << " (id " << project->id << ")\n";
      }
    }
  }

  std::cout << "what the bot may do:\n";
  std::cout << "  status, audit, help: " << listOrNone(c.policy.access.readers, "nobody") << "\n";
  std::cout << "  rotate, revoke:      " << listOrNone(c.policy.access.operators, "nobody until operators are configured") << "\n";
  std::cout << "  channels:            " << listOrNone(c.policy.access.channels, "any channel") << "\n";
  std::cout << "  [[token]] entries:   " << c.policy.tokens.size() << "\n";
  std::cout << "  watcher:             every " << c.policy.watch.intervalMinutes << " min, warn at "
            << fmt::format("{}", fmt::join(c.policy.watch.warnDays, ", ")) << " days, "
            << (c.policy.watch.autoRotateDaysBefore > 0
                    ? fmt::format("auto-rotate {} days before expiry", c.policy.watch.autoRotateDaysBefore)
                    : std::string("no auto-rotation"))
            << ", tracking issues " << (c.policy.watch.trackingProject.empty() ? "off" : "in " + c.policy.watch.trackingProject)
            << "\n";
  std::cout << (ok ? "check-config: OK" : "check-config: problems found (see above)") << std::endl;
  return ok ? 0 : 1;
}

}  // namespace patbot::cli
