// The policy-file half of loadConfig: the TOML file named by PATBOT_CONFIG.
#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>  // 3.3.0 on Debian 12 ships toml.h, not toml.hpp

#include "bot/config_keys.h"
#include "bot/config_loading.h"

namespace patbot::config_loading {
namespace {

class PolicyReader {
 public:
  PolicyReader(std::string path, Problems& problems) : path_(std::move(path)), p_(problems) {}

  // Reports every problem of the file to `problems`, in line order.
  void read(Policy& policy) {
    readFile(policy);
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

  void readFile(Policy& policy) {
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
        if (auto* t = table(node, "[access]")) readAccess(*t, policy.access);
      } else if (k == "rotation") {
        if (auto* t = table(node, "[rotation]")) readRotation(*t, policy.rotation);
      } else if (k == "watch") {
        if (auto* t = table(node, "[watch]")) readWatch(*t, policy.watch);
      } else if (k == "token") {
        readTokens(node, policy.tokens);
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
    readPathList(t, "projects", w, wp.projects);
    readPathList(t, "groups", w, wp.groups);
  }

  // [watch] projects / groups: an array of full paths (or numeric ids), each once.
  void readPathList(const toml::table& t, std::string_view key, const std::string& where,
                    std::vector<std::string>& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto* arr = n->as_array();
    bool ok = arr != nullptr;
    std::vector<std::string> paths;
    if (arr) {
      for (const auto& el : *arr) {
        if (auto* s = el.as_string(); s && !s->get().empty()) {
          paths.push_back(s->get());
        } else if (auto* i = el.as_integer(); i && i->get() > 0) {
          paths.push_back(std::to_string(i->get()));
        } else {
          ok = false;
        }
      }
    }
    if (!ok) {
      add(fmt::format("{}: {} {} must be an array of full paths, e.g. [\"sec/app\"]", at(*n), where, key));
      return;
    }
    for (auto& p : paths) {
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
    }
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

  // The `list` array of a [[token]] (ci_variables, group_variables): inline tables of
  // { <ownerKey>, key, environment_scope }, each read into a Ref{owner, key, environment scope}.
  template <typename Ref>
  void variableRefs(const toml::table& token, std::string_view list, std::string_view ownerKey,
                    const std::string& where, std::vector<Ref>& out) {
    const std::string table = fmt::format("token.{}", list);
    auto one = [&](const toml::table& t, const std::string& wh) -> std::optional<Ref> {
      rejectUnknown(t, policyKeysIn(table), wh);
      auto owner = requiredString(t, ownerKey, wh, true);
      auto key = requiredString(t, "key", wh, false);
      auto scope = optionalString(t, "environment_scope", wh);
      if (!owner || !key || !scope) return std::nullopt;
      return Ref{*owner, *key, *scope};
    };
    tableList(token, list, where, out, one);
  }

  // kind (default "personal") and the one owner key it takes: account, project or group.
  std::optional<std::string> tokenOwner(const toml::table& t, const std::string& w, TokenPolicy& tp) {
    if (const toml::node* n = t.get("kind")) {
      auto* s = n->as_string();
      auto kind = s ? parseTokenKind(s->get()) : std::nullopt;
      if (!kind) {
        add(fmt::format("{}: {} kind must be \"personal\", \"project\" or \"group\"", at(*n), w));
        return std::nullopt;
      }
      tp.kind = *kind;
    }
    const char* wanted = tp.kind == TokenKind::kPersonal ? "account" : tokenKindName(tp.kind);
    for (const char* key : {"account", "project", "group"}) {
      if (std::string_view(key) == wanted) continue;
      if (const toml::node* n = t.get(key)) {
        add(fmt::format("{}: {} of kind \"{}\" names its owner with {}, not {}", at(*n), w, tokenKindName(tp.kind),
                        wanted, key));
      }
    }
    return requiredString(t, wanted, w, false);
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
      auto owner = tokenOwner(t, w, tp);
      auto name = requiredString(t, "name", w, false);
      if (const toml::node* n = t.get("strategy")) {
        auto* s = n->as_string();
        tp.strategy = s ? parseStrategy(s->get()) : std::nullopt;
        if (!tp.strategy) add(fmt::format("{}: {} strategy must be \"rotate\" or \"replace\"", at(*n), w));
      }
      variableRefs(t, "ci_variables", "project", w, tp.ciVariables);
      variableRefs(t, "group_variables", "group", w, tp.groupVariables);
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
      if (!owner || !name) continue;
      if (!seen.insert({std::string(tokenKindName(tp.kind)) + " " + *owner, *name}).second) {
        add(fmt::format("{}: [[token]] {}{} / {} is listed twice", at(t),
                        tp.kind == TokenKind::kPersonal ? "" : std::string(tokenKindName(tp.kind)) + " ", *owner, *name));
        continue;
      }
      tp.account = *owner;
      tp.name = *name;
      out.push_back(std::move(tp));
    }
  }

  std::string path_;
  Problems& p_;
  std::vector<std::pair<uint32_t, std::string>> found_;
};

}  // namespace

void readPolicyFile(const std::string& path, Policy& policy, Problems& problems) {
  PolicyReader(path, problems).read(policy);
}

}  // namespace patbot::config_loading
