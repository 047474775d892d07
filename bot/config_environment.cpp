// The environment half of loadConfig: SPEC §2's variables, secrets also from <VAR>_FILE.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "bot/config_loading.h"
#include "core/loopback.h"
#include "core/lower_case.h"

namespace patbot::config_loading {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Unset and empty are the same: Docker and Kubernetes often pass "VAR=".
std::optional<std::string> getVar(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// Whether a process other than patbot may read a file of this mode and group: others may, or
// its group may and patbot is not in that group (a group patbot is in, as Kubernetes' fsGroup
// with defaultMode 0440, is how patbot itself reads it).
bool readableByOthers(const struct stat& st) {
  if (st.st_mode & S_IROTH) return true;
  if (!(st.st_mode & S_IRGRP)) return false;
  if (st.st_gid == ::getegid()) return false;
  std::vector<gid_t> groups(static_cast<size_t>(std::max(::getgroups(0, nullptr), 0)));
  int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
  return std::find(groups.begin(), groups.begin() + std::max(n, 0), st.st_gid) == groups.begin() + std::max(n, 0);
}

// Reads the file a <VAR>_FILE names into `content` (straight into that one string: no stream
// buffer keeps a copy). Symbolic links are followed (Kubernetes mounts a Secret's keys as links
// into ..data/) and the mode checked is the open target's: one that group or others may write is
// refused, one that others may read is accepted with a warning. False with a problem added when
// refused or unreadable.
bool readSecretFile(const std::string& fileVar, const std::string& path, Problems& problems, std::string& content) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    problems.add(fmt::format("{}: cannot read {} ({})", fileVar, path, std::strerror(errno)));
    if (fd >= 0) ::close(fd);
    return false;
  }
  const unsigned mode = st.st_mode & 07777;
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    problems.add(fmt::format("{}: {} is writable by group or others (mode {:04o}); run chmod go-w {} "
                             "(0400 is best)", fileVar, path, mode, path));
    ::close(fd);
    return false;
  }
  if (readableByOthers(st)) {
    problems.warn(fmt::format("{}: {} is readable by other users (mode {:04o}); chmod 0400 it, or 0440 with a "
                              "group only patbot is in", fileVar, path, mode));
  }
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (content.size() + static_cast<size_t>(n) > content.capacity()) {
      // Grown by hand so that the outgrown buffer is wiped before it is freed.
      std::string bigger;
      bigger.reserve(std::max(content.capacity() * 2, content.size() + static_cast<size_t>(n)));
      bigger.append(content);
      Secret::wipe(content);
      content.swap(bigger);
    }
    content.append(chunk, static_cast<size_t>(n));
  }
  const int readErrno = errno;
  ::explicit_bzero(chunk, sizeof chunk);
  ::close(fd);
  if (n < 0) {
    Secret::wipe(content);
    problems.add(fmt::format("{}: cannot read {} ({})", fileVar, path, std::strerror(readErrno)));
    return false;
  }
  return true;
}

// NAME or NAME_FILE (not both); the file's trailing whitespace is stripped. `given` tells
// whether either variable was set (a problem with them is then already reported).
std::optional<Secret> readSecret(const EnvLookup& env, const std::string& name, Problems& problems,
                                 bool& given) {
  const std::string fileVar = name + "_FILE";
  auto direct = getVar(env, name);
  auto file = getVar(env, fileVar);
  given = direct || file;
  if (direct && file) {
    problems.rememberSecret(*direct);
    problems.add(fmt::format("set {} or {}, not both", name, fileVar));
    return std::nullopt;
  }
  if (direct) {
    problems.rememberSecret(*direct);
    return Secret(std::move(*direct));
  }
  if (!file) return std::nullopt;
  std::string value;
  if (!readSecretFile(fileVar, *file, problems, value)) return std::nullopt;
  while (!value.empty() && isSpace(value.back())) value.pop_back();
  if (value.empty()) {
    problems.add(fmt::format("{}: {} is empty", fileVar, *file));
    return std::nullopt;
  }
  problems.rememberSecret(value);
  return Secret(std::move(value));
}

std::optional<long long> parseInteger(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  }
  return std::strtoll(s.c_str(), nullptr, 10);
}

// The integer variable `name`, when set, into `out`; a problem (and `out` unchanged) when it is not
// an integer from `min` to `max`.
void readIntegerVar(const EnvLookup& env, const char* name, int min, int max, Problems& p, int& out) {
  auto v = getVar(env, name);
  if (!v) return;
  auto n = parseInteger(*v);
  if (!n || *n < min || *n > max) {
    p.add(fmt::format("{} must be an integer from {} to {} (got {})", name, min, max, p.echo(*v)));
  } else {
    out = static_cast<int>(*n);
  }
}

bool isHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// "host:port" with an IPv4 address or a host name; IPv6 literals are not supported.
void parseListen(const std::string& v, Config& c, Problems& p) {
  const std::string rule =
      "PATBOT_LISTEN must be HOST:PORT with an IPv4 address or host name "
      "and a port from 1 to 65535, e.g. 0.0.0.0:8080";
  if (!v.empty() && v.front() == '[') {
    p.add(fmt::format("{}; IPv6 addresses are not supported (got {})", rule, p.echo(v)));
    return;
  }
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    p.add(fmt::format("{} (got {})", rule, p.echo(v)));
    return;
  }
  std::string host = v.substr(0, colon);
  auto port = parseInteger(v.substr(colon + 1));
  bool hostOk = true;
  for (char ch : host) hostOk = hostOk && isHostChar(ch);
  if (!hostOk || !port || *port < 1 || *port > 65535 || v[colon + 1] == '+' ||
      v[colon + 1] == '-') {
    p.add(fmt::format("{} (got {})", rule, p.echo(v)));
    return;
  }
  c.listenHost = host;
  c.listenPort = static_cast<uint16_t>(*port);
}

// "host" from "host:port" or "[v6]:port" (brackets kept; isLoopbackHost accepts them).
std::string hostWithoutPort(const std::string& authority) {
  if (!authority.empty() && authority.front() == '[') return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

// https://host[...] or, to a loopback host only, http://host[...]; returned without trailing slashes
// (and, when stripApi, without /api/v4).
std::optional<std::string> parseBaseUrl(const std::string& name, std::string v, bool stripApi,
                                        Problems& p) {
  const std::string l = lowerCase(v);
  size_t schemeLen = l.rfind("https://", 0) == 0 ? 8 : l.rfind("http://", 0) == 0 ? 7 : 0;
  if (schemeLen == 0) {
    p.add(fmt::format("{} must start with http:// or https://", name));
    return std::nullopt;
  }
  while (!v.empty() && v.back() == '/') v.pop_back();
  if (stripApi && lowerCase(v).size() >= 7 &&
      lowerCase(v).compare(lowerCase(v).size() - 7, 7, "/api/v4") == 0) {
    v.resize(v.size() - 7);
    while (!v.empty() && v.back() == '/') v.pop_back();
  }
  std::string rest = v.size() > schemeLen ? v.substr(schemeLen) : "";
  auto hostEnd = rest.find('/');
  std::string host = rest.substr(0, hostEnd);
  if (host.empty()) {
    p.add(fmt::format("{} must name a host, e.g. https://gitlab.example.com", name));
    return std::nullopt;
  }
  if (host.find('@') != std::string::npos) {
    p.add(fmt::format("{} must not contain credentials", name));
    return std::nullopt;
  }
  if (schemeLen == 7 && !isLoopbackHost(hostWithoutPort(host))) {
    p.add(fmt::format("{} must start with https:// (plain http:// only to loopback: 127.0.0.0/8, ::1, localhost)",
                      name));
    return std::nullopt;
  }
  for (char ch : v) {
    if (isSpace(ch)) {
      p.add(fmt::format("{} must not contain spaces", name));
      return std::nullopt;
    }
  }
  return v;
}

}  // namespace

void loadEnvironment(ConfigNeeds needs, const EnvLookup& env, Config& c, Problems& p) {
  // Secrets first, so every later message can redact them.
  bool signingGiven = false, botGiven = false, tokenGiven = false, appGiven = false;
  auto signing = readSecret(env, "SLACK_SIGNING_SECRET", p, signingGiven);
  auto bot = readSecret(env, "SLACK_BOT_TOKEN", p, botGiven);
  auto app = readSecret(env, "SLACK_APP_TOKEN", p, appGiven);
  auto gitlabToken = readSecret(env, "GITLAB_TOKEN", p, tokenGiven);

  const bool serve = needs == ConfigNeeds::kServe;
  const bool gitlab = needs == ConfigNeeds::kServe || needs == ConfigNeeds::kGitLab;

  if (app) {
    if (app->reveal().rfind("xapp-", 0) != 0) {
      p.add("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)");
    } else {
      c.slackAppToken = std::move(*app);
    }
  }
  // Socket Mode (an app token given) needs no signing secret: nothing is signed on its WebSocket.
  if (signing) {
    c.slackSigningSecret = std::move(*signing);
  } else if (serve && !signingGiven && !appGiven) {
    p.add("SLACK_SIGNING_SECRET is not set");   // the wording SPEC §2 fixes; README names SLACK_APP_TOKEN
  }
  if (bot) {
    if (bot->reveal().rfind("xoxb-", 0) != 0) {
      p.add("SLACK_BOT_TOKEN must be a bot token starting with xoxb-");
    } else {
      c.slackBotToken = std::move(*bot);
    }
  }

  if (auto v = getVar(env, "PATBOT_LISTEN")) parseListen(*v, c, p);
  if (auto v = getVar(env, "SLACK_API_URL")) {
    if (auto url = parseBaseUrl("SLACK_API_URL", *v, false, p)) c.slackApiUrl = *url;
  }
  if (auto v = getVar(env, "PATBOT_NOTIFY_CHANNEL")) c.notifyChannel = *v;
  readIntegerVar(env, "PATBOT_SOCKET_CONNECTIONS", 1, 10, p, c.socketConnections);
  // The usual proxy variables (upper case first, as curl and Go read HTTPS_PROXY); for Slack only.
  auto either = [&](const char* upper, const char* lower) {
    auto v = getVar(env, upper);
    return v ? *v : getVar(env, lower).value_or("");
  };
  c.slackProxy.httpsProxy = either("HTTPS_PROXY", "https_proxy");
  c.slackProxy.httpProxy = either("HTTP_PROXY", "http_proxy");
  c.slackProxy.noProxy = either("NO_PROXY", "no_proxy");
  if (auto proxy = c.slackProxy.validate(); !proxy) p.add(proxy.error().message);

  if (auto v = getVar(env, "GITLAB_URL")) {
    if (auto url = parseBaseUrl("GITLAB_URL", *v, true, p)) c.gitlabUrl = *url;
  } else if (gitlab) {
    p.add("GITLAB_URL is not set");
  }
  if (gitlabToken) {
    c.gitlabToken = std::move(*gitlabToken);
  } else if (gitlab && !tokenGiven) {
    p.add("GITLAB_TOKEN is not set");
  }
  readIntegerVar(env, "GITLAB_CONCURRENCY", 1, 64, p, c.gitlabConcurrency);
  readIntegerVar(env, "GITLAB_TIMEOUT_SECONDS", 1, 30, p, c.gitlabTimeoutSeconds);
  if (auto v = getVar(env, "GITLAB_CA_FILE")) {
    std::string why;
    if (!readWholeFile(*v, why)) {
      p.add(fmt::format("GITLAB_CA_FILE: cannot read {} ({})", *v, why));
    } else {
      c.gitlabCaFile = *v;
    }
  }
  if (auto v = getVar(env, "GITLAB_GROUP")) c.gitlabGroup = *v;
  if (auto v = getVar(env, "PATBOT_DB")) c.dbPath = *v;
  if (auto v = getVar(env, "PATBOT_CONFIG")) c.configPath = *v;
  if (auto v = getVar(env, "PATBOT_LOG_FORMAT")) {
    std::string f = lowerCase(*v);
    if (f != "text" && f != "json") {
      p.add(fmt::format("PATBOT_LOG_FORMAT must be text or json (got {})", p.echo(*v)));
    } else {
      c.logFormat = f;
    }
  }
  if (auto v = getVar(env, "PATBOT_LOG_LEVEL")) {
    static const std::set<std::string> kLevels{"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
    std::string l = lowerCase(*v);
    if (!kLevels.count(l)) {
      p.add(fmt::format(
          "PATBOT_LOG_LEVEL must be one of trace, debug, info, warn, error, critical, off (got {})",
          p.echo(*v)));
    } else {
      c.logLevel = l;
    }
  }
}

}  // namespace patbot::config_loading
