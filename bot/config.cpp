#include "bot/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>  // 3.3.0 on Debian 12 ships toml.h, not toml.hpp

#include "bot/config_keys.h"
#include "core/loopback.h"

namespace patbot {
namespace {

// Every problem found, in the order found; reported together.
class Problems {
 public:
  Problems() = default;
  Problems(const Problems&) = delete;
  Problems& operator=(const Problems&) = delete;
  ~Problems() {
    for (auto& s : secrets_) Secret::wipe(s);
  }

  void add(std::string problem) { list_.push_back(std::move(problem)); }
  bool empty() const { return list_.empty(); }
  // Not a problem: logged once logging is set up (Config::warnings).
  void warn(std::string warning) { warnings_.push_back(std::move(warning)); }
  std::vector<std::string> takeWarnings() { return std::move(warnings_); }

  // Never include a secret value: values are echoed only through echo().
  std::string echo(std::string_view value) const {
    for (const auto& s : secrets_) {
      if (!s.empty() && value.find(s) != std::string_view::npos) return "[redacted]";
    }
    if (value.rfind("glpat-", 0) == 0 || value.rfind("xox", 0) == 0) return "[redacted]";
    if (value.size() > 40) return fmt::format("\"{}…\"", value.substr(0, 40));
    return fmt::format("\"{}\"", value);
  }
  void rememberSecret(const std::string& value) { secrets_.push_back(value); }

  // Known secret values are scrubbed once more, whatever a message quotes (a TOML parser
  // message may quote the file's text).
  Error toError() const {
    std::string msg = "configuration: ";
    for (size_t i = 0; i < list_.size(); ++i) {
      if (i) msg += "; ";
      msg += list_[i];
    }
    for (const auto& secret : secrets_) {
      if (secret.size() < 8) continue;  // too short to scrub without mangling the text
      for (size_t at = msg.find(secret); at != std::string::npos; at = msg.find(secret, at)) {
        msg.replace(at, secret.size(), "[redacted]");
        at += 10;
      }
    }
    return Error::make(ErrorKind::kConfig, msg, msg);
  }

 private:
  std::vector<std::string> list_;
  std::vector<std::string> secrets_;
  std::vector<std::string> warnings_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Unset and empty are the same: Docker and Kubernetes often pass "VAR=".
std::optional<std::string> getVar(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

std::optional<std::string> readWholeFile(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return out.str();
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
  const std::string l = lower(v);
  size_t schemeLen = l.rfind("https://", 0) == 0 ? 8 : l.rfind("http://", 0) == 0 ? 7 : 0;
  if (schemeLen == 0) {
    p.add(fmt::format("{} must start with http:// or https://", name));
    return std::nullopt;
  }
  while (!v.empty() && v.back() == '/') v.pop_back();
  if (stripApi && lower(v).size() >= 7 &&
      lower(v).compare(lower(v).size() - 7, 7, "/api/v4") == 0) {
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

void loadEnvironment(ConfigNeeds needs, const EnvLookup& env, Config& c, Problems& p) {
  // Secrets first, so every later message can redact them.
  bool signingGiven = false, botGiven = false, tokenGiven = false;
  auto signing = readSecret(env, "SLACK_SIGNING_SECRET", p, signingGiven);
  auto bot = readSecret(env, "SLACK_BOT_TOKEN", p, botGiven);
  auto gitlabToken = readSecret(env, "GITLAB_TOKEN", p, tokenGiven);

  const bool serve = needs == ConfigNeeds::kServe;
  const bool gitlab = needs == ConfigNeeds::kServe || needs == ConfigNeeds::kGitLab;

  if (signing) {
    c.slackSigningSecret = std::move(*signing);
  } else if (serve && !signingGiven) {
    p.add("SLACK_SIGNING_SECRET is not set");
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
  if (auto v = getVar(env, "GITLAB_CONCURRENCY")) {
    auto n = parseInteger(*v);
    if (!n || *n < 1 || *n > 64) {
      p.add(fmt::format("GITLAB_CONCURRENCY must be an integer from 1 to 64 (got {})", p.echo(*v)));
    } else {
      c.gitlabConcurrency = static_cast<int>(*n);
    }
  }
  if (auto v = getVar(env, "GITLAB_TIMEOUT_SECONDS")) {
    auto n = parseInteger(*v);
    if (!n || *n < 1 || *n > 30) {
      p.add(fmt::format("GITLAB_TIMEOUT_SECONDS must be an integer from 1 to 30 (got {})", p.echo(*v)));
    } else {
      c.gitlabTimeoutSeconds = static_cast<int>(*n);
    }
  }
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
    std::string f = lower(*v);
    if (f != "text" && f != "json") {
      p.add(fmt::format("PATBOT_LOG_FORMAT must be text or json (got {})", p.echo(*v)));
    } else {
      c.logFormat = f;
    }
  }
  if (auto v = getVar(env, "PATBOT_LOG_LEVEL")) {
    static const std::set<std::string> kLevels{"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
    std::string l = lower(*v);
    if (!kLevels.count(l)) {
      p.add(fmt::format(
          "PATBOT_LOG_LEVEL must be one of trace, debug, info, warn, error, critical, off (got {})",
          p.echo(*v)));
    } else {
      c.logLevel = l;
    }
  }
}

// ---- policy file ----------------------------------------------------------------------------

class PolicyReader {
 public:
  PolicyReader(std::string path, Problems& problems) : path_(std::move(path)), p_(problems) {}

  // Reports every problem of the file to `problems`, in line order.
  void read(Config& c) {
    readFile(c);
    std::stable_sort(found_.begin(), found_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, text] : found_) p_.add(std::move(text));
  }

 private:
  // `text` starts with at(...): its line orders the report.
  void add(std::string text) {
    uint32_t line = 0;
    if (text.rfind(path_ + ":", 0) == 0) {
      for (size_t i = path_.size() + 1;
           i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
        line = line * 10 + static_cast<uint32_t>(text[i] - '0');
      }
    }
    found_.emplace_back(line, std::move(text));
  }

  void readFile(Config& c) {
    std::string why;
    auto text = readWholeFile(path_, why);
    if (!text) {
      add(fmt::format("PATBOT_CONFIG: cannot read {} ({})", path_, why));
      return;
    }
    toml::table root;
    try {
      root = toml::parse(*text, path_);
    } catch (const toml::parse_error& e) {
      add(fmt::format("{}: {}", at(e.source()), e.description()));
      return;
    }
    for (auto&& [key, node] : root) {
      const std::string k(key.str());
      if (k == "access") {
        if (auto* t = table(node, "[access]")) readAccess(*t, c.access);
      } else if (k == "rotation") {
        if (auto* t = table(node, "[rotation]")) readRotation(*t, c.rotation);
      } else if (k == "watch") {
        if (auto* t = table(node, "[watch]")) readWatch(*t, c.watch);
      } else if (k == "token") {
        readTokens(node, c.tokens);
      } else {
        add(fmt::format("{}: unknown {} '{}'", at(key.source()), node.is_table() ? "table" : "key",
                        k));
      }
    }
  }

  std::string at(const toml::source_region& r) const {
    if (r.begin.line == 0) return path_;
    return fmt::format("{}:{}", path_, r.begin.line);
  }
  std::string at(const toml::node& n) const { return at(n.source()); }

  const toml::table* table(const toml::node& n, const std::string& what) {
    if (auto* t = n.as_table()) return t;
    add(fmt::format("{}: {} must be a table", at(n), what));
    return nullptr;
  }

  // Reports keys of `t` not in `known` as "unknown key 'k' in <where>".
  void rejectUnknown(const toml::table& t, const std::vector<std::string_view>& known,
                     const std::string& where) {
    for (auto&& [key, node] : t) {
      bool ok = false;
      for (auto k : known) ok = ok || key.str() == k;
      if (!ok) add(fmt::format("{}: unknown key '{}' in {}", at(key.source()), key.str(), where));
    }
  }

  std::optional<int> integer(const toml::table& t, std::string_view key, const std::string& where,
                             int64_t lo, int64_t hi, const std::string& rule) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    auto* v = n->as_integer();
    if (!v || v->get() < lo || v->get() > hi) {
      add(fmt::format("{}: {} {} must be {}", at(*n), where, key, rule));
      return std::nullopt;
    }
    return static_cast<int>(v->get());
  }

  // A string, or an integer written as its decimal text (GitLab ids).
  std::optional<std::string> idOrPath(const toml::node& n, const std::string& what) {
    if (auto* s = n.as_string()) {
      if (!s->get().empty()) return s->get();
    } else if (auto* i = n.as_integer()) {
      if (i->get() > 0) return std::to_string(i->get());
    }
    add(fmt::format("{}: {} must be a non-empty string", at(n), what));
    return std::nullopt;
  }

  std::optional<std::string> requiredString(const toml::table& t, std::string_view key,
                                            const std::string& where, bool allowId) {
    const toml::node* n = t.get(key);
    if (!n) {
      add(fmt::format("{}: {} needs {}", at(t), where, key));
      return std::nullopt;
    }
    if (allowId) return idOrPath(*n, fmt::format("{} {}", where, key));
    auto* s = n->as_string();
    if (!s || s->get().empty()) {
      add(fmt::format("{}: {} {} must be a non-empty string", at(*n), where, key));
      return std::nullopt;
    }
    return s->get();
  }

  void stringList(const toml::table& t, std::string_view key, const std::string& where,
                  std::vector<std::string>& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto* arr = n->as_array();
    std::vector<std::string> values;
    bool ok = arr != nullptr;
    if (arr) {
      for (const auto& el : *arr) {
        if (auto* s = el.as_string()) {
          values.push_back(s->get());
        } else {
          ok = false;
        }
      }
    }
    if (!ok) {
      add(fmt::format("{}: {} {} must be an array of strings", at(*n), where, key));
      return;
    }
    out = std::move(values);
  }

  void readAccess(const toml::table& t, AccessPolicy& a) {
    const std::string w = "[access]";
    rejectUnknown(t, policyKeysIn("access"), w);
    stringList(t, "readers", w, a.readers);
    stringList(t, "operators", w, a.operators);
    stringList(t, "channels", w, a.channels);
  }

  void readRotation(const toml::table& t, RotationPolicy& r) {
    const std::string w = "[rotation]";
    rejectUnknown(t, policyKeysIn("rotation"), w);
    if (auto v = integer(t, "expires_in_days", w, 1, 365, "an integer from 1 to 365"))
      r.expiresInDays = *v;
    if (auto v =
            integer(t, "revoke_grace_hours", w, 0, 24 * 366, "an integer from 0 to 8784 (a year)"))
      r.revokeGraceHours = *v;
    if (auto v = integer(t, "verify_timeout_minutes", w, 1, 1440, "an integer from 1 to 1440"))
      r.verifyTimeoutMinutes = *v;
  }

  void readWatch(const toml::table& t, WatchPolicy& wp) {
    const std::string w = "[watch]";
    rejectUnknown(t, policyKeysIn("watch"), w);
    if (auto v =
            integer(t, "interval_minutes", w, 1, 525600, "an integer from 1 to 525600 (a year)"))
      wp.intervalMinutes = *v;
    if (auto v = integer(t, "auto_rotate_days_before", w, 0, 365, "an integer from 0 to 365"))
      wp.autoRotateDaysBefore = *v;
    if (const toml::node* n = t.get("tracking_project")) {
      if (auto* s = n->as_string()) {
        wp.trackingProject = s->get();
      } else if (auto* i = n->as_integer(); i && i->get() > 0) {
        wp.trackingProject = std::to_string(i->get());
      } else {
        add(fmt::format("{}: [watch] tracking_project must be a string", at(*n)));
      }
    }
    if (const toml::node* n = t.get("warn_days")) readWarnDays(*n, wp);
  }

  void readWarnDays(const toml::node& n, WatchPolicy& wp) {
    auto* arr = n.as_array();
    std::vector<int> days;
    bool ints = arr != nullptr;
    if (arr) {
      for (const auto& el : *arr) {
        auto* i = el.as_integer();
        if (!i || i->get() < 1 || i->get() > 3650) {
          ints = false;
          break;
        }
        days.push_back(static_cast<int>(i->get()));
      }
    }
    if (!ints) {
      add(fmt::format("{}: [watch] warn_days must be an array of positive integers (days)", at(n)));
      return;
    }
    if (days.empty()) {
      add(fmt::format("{}: [watch] warn_days must not be empty", at(n)));
      return;
    }
    for (size_t i = 1; i < days.size(); ++i) {
      if (days[i] >= days[i - 1]) {
        add(
            fmt::format("{}: [watch] warn_days must be sorted from largest to smallest without "
                        "repeats, e.g. [30, 14, 7, 3, 1]",
                        at(n)));
        return;
      }
    }
    wp.warnDays = std::move(days);
  }

  // An array of inline tables, each read by `one` (which returns false on a problem).
  template <typename T, typename F>
  void tableList(const toml::table& t, std::string_view key, const std::string& where,
                 std::vector<T>& out, F one) {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto* arr = n->as_array();
    if (!arr) {
      add(fmt::format("{}: {} {} must be an array of tables", at(*n), where, key));
      return;
    }
    const std::string inner = fmt::format("{} {}", where, key);
    for (const auto& el : *arr) {
      auto* et = el.as_table();
      if (!et) {
        add(fmt::format("{}: {} must be an array of tables", at(el), inner));
        continue;
      }
      if (auto v = one(*et, inner)) out.push_back(std::move(*v));
    }
  }

  std::optional<std::string> optionalString(const toml::table& t, std::string_view key,
                                            const std::string& where) {
    const toml::node* n = t.get(key);
    if (!n) return std::string();
    if (auto* s = n->as_string()) return s->get();
    add(fmt::format("{}: {} {} must be a string", at(*n), where, key));
    return std::nullopt;
  }

  std::optional<CiVariableRef> ciVariable(const toml::table& t, const std::string& where) {
    rejectUnknown(t, policyKeysIn("token.ci_variables"), where);
    auto project = requiredString(t, "project", where, true);
    auto key = requiredString(t, "key", where, false);
    auto scope = optionalString(t, "environment_scope", where);
    if (!project || !key || !scope) return std::nullopt;
    return CiVariableRef{*project, *key, *scope};
  }

  std::optional<GroupVariableRef> groupVariable(const toml::table& t, const std::string& where) {
    rejectUnknown(t, policyKeysIn("token.group_variables"), where);
    auto group = requiredString(t, "group", where, true);
    auto key = requiredString(t, "key", where, false);
    auto scope = optionalString(t, "environment_scope", where);
    if (!group || !key || !scope) return std::nullopt;
    return GroupVariableRef{*group, *key, *scope};
  }

  void readTokens(const toml::node& node, std::vector<TokenPolicy>& out) {
    auto* arr = node.as_array();
    if (arr && arr->empty()) return;
    if (!arr || !arr->is_array_of_tables()) {
      add(fmt::format("{}: token must be written as [[token]] tables", at(node)));
      return;
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& el : *arr) {
      const auto& t = *el.as_table();
      const std::string w = "[[token]]";
      rejectUnknown(t, policyKeysIn("token"), w);
      TokenPolicy tp;
      auto account = requiredString(t, "account", w, false);
      auto name = requiredString(t, "name", w, false);
      tableList(t, "ci_variables", w, tp.ciVariables,
                [this](const toml::table& x, const std::string& wh) { return ciVariable(x, wh); });
      tableList(
          t, "group_variables", w, tp.groupVariables,
          [this](const toml::table& x, const std::string& wh) { return groupVariable(x, wh); });
      if (const toml::node* n = t.get("verify_pipeline")) {
        const std::string wh = w + " verify_pipeline";
        if (auto* vt = n->as_table()) {
          rejectUnknown(*vt, policyKeysIn("token.verify_pipeline"), wh);
          auto project = requiredString(*vt, "project", wh, true);
          auto ref = requiredString(*vt, "ref", wh, false);
          if (project && ref) tp.verifyPipeline = PipelineRef{*project, *ref};
        } else {
          add(fmt::format("{}: {} must be a table {{ project, ref }}", at(*n), wh));
        }
      }
      if (const toml::node* n = t.get("tracking_issue")) {
        const std::string wh = w + " tracking_issue";
        if (auto* it = n->as_table()) {
          rejectUnknown(*it, policyKeysIn("token.tracking_issue"), wh);
          auto project = requiredString(*it, "project", wh, true);
          std::optional<int64_t> iid;
          if (const toml::node* in = it->get("iid")) {
            auto* i = in->as_integer();
            if (i && i->get() > 0) {
              iid = i->get();
            } else {
              add(fmt::format("{}: {} iid must be a positive integer", at(*in), wh));
            }
          } else {
            add(fmt::format("{}: {} needs iid", at(*it), wh));
          }
          if (project && iid) tp.trackingIssue = IssueRef{*project, *iid};
        } else {
          add(fmt::format("{}: {} must be a table {{ project, iid }}", at(*n), wh));
        }
      }
      if (!account || !name) continue;
      if (!seen.insert({*account, *name}).second) {
        add(fmt::format("{}: [[token]] {} / {} is listed twice", at(t), *account, *name));
        continue;
      }
      tp.account = *account;
      tp.name = *name;
      out.push_back(std::move(tp));
    }
  }

  std::string path_;
  Problems& p_;
  std::vector<std::pair<uint32_t, std::string>> found_;
};

}  // namespace

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> loadConfig(ConfigNeeds needs, const EnvLookup& env) {
  Config c;
  Problems problems;
  loadEnvironment(needs, env, c, problems);
  if (!c.configPath.empty()) PolicyReader(c.configPath, problems).read(c);
  if (!problems.empty()) return problems.toError();
  c.warnings = problems.takeWarnings();
  return c;
}

}  // namespace patbot
