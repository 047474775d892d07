#include "gitlab/json_mapping.h"

#include <exception>
#include <optional>
#include <utility>

#include "core/time_format.h"

namespace patbot::gitlab {
namespace {

using nlohmann::json;

Error unreadable(std::string detail) {
  return Error::make(ErrorKind::kProtocol, kUnreadableAnswer, std::move(detail));
}

// Reads fields of one JSON object, keeping the first problem found.
class FieldReader {
 public:
  FieldReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  bool failed() const { return !problem_.empty(); }
  Error error() const { return unreadable(problem_); }

  int64_t integer(const char* key, bool required, int64_t fallback = 0) {
    const json* v = field(key, required);
    if (!v) return fallback;
    if (!v->is_number_integer()) {
      wrongType(key, *v, "an integer");
      return fallback;
    }
    return v->get<int64_t>();
  }

  std::string string(const char* key, bool required) {
    const json* v = field(key, required);
    if (!v) return {};
    if (!v->is_string()) {
      wrongType(key, *v, "a string");
      return std::string();
    }
    return v->get<std::string>();
  }

  std::optional<std::string> optionalString(const char* key) {
    const json* v = field(key, false);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      wrongType(key, *v, "a string or null");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  bool boolean(const char* key, bool fallback) {
    const json* v = field(key, false);
    if (!v) return fallback;
    if (!v->is_boolean()) {
      wrongType(key, *v, "true or false");
      return fallback;
    }
    return v->get<bool>();
  }

  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    const json* v = field(key, false);
    if (!v) return out;
    if (!v->is_array()) {
      wrongType(key, *v, "an array of strings");
      return out;
    }
    for (const auto& item : *v) {
      if (!item.is_string()) {
        wrongType(key, item, "an array of strings");
        return out;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  std::optional<Date> date(const char* key) {
    auto text = optionalString(key);
    if (!text) return std::nullopt;
    if (auto d = parseDate(*text)) return d;
    if (auto t = parseTimestamp(*text)) return utcDay(*t);
    fail(std::string("field \"") + key + "\" is not a date (YYYY-MM-DD)");
    return std::nullopt;
  }

  std::optional<TimePoint> timestamp(const char* key) {
    auto text = optionalString(key);
    if (!text) return std::nullopt;
    if (auto t = parseTimestamp(*text)) return t;   // also takes a bare YYYY-MM-DD
    fail(std::string("field \"") + key + "\" is not a timestamp");
    return std::nullopt;
  }

 private:
  // nullptr when absent or null (and records a problem if required).
  const json* field(const char* key, bool required) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) fail(std::string("field \"") + key + "\" is missing");
      return nullptr;
    }
    return &*it;
  }

  void wrongType(const char* key, const json& v, const char* expected) {
    fail(std::string("field \"") + key + "\" is " + v.type_name() + ", expected " + expected);
  }

  void fail(std::string what) {
    if (problem_.empty()) problem_ = where_ + ": " + what;
  }

  const json& object_;
  std::string where_;
  std::string problem_;
};

// Reads a T from the JSON object `v` with `fill(reader, out)`, which reads T's fields in order;
// the first problem found (a non-object, a missing or mistyped field) is the Error.
template <typename T, typename Fill>
Result<T> readObject(const json& v, const std::string& where, Fill fill) {
  if (!v.is_object()) return unreadable(where + ": is " + v.type_name() + ", expected an object");
  FieldReader r(v, where);
  T out;
  fill(r, out);
  if (r.failed()) return r.error();
  return out;
}

Result<TokenOwner> accountFrom(const json& v, const std::string& where) {
  return readObject<TokenOwner>(v, where, [](FieldReader& r, TokenOwner& a) {
    a.id = r.integer("id", true);
    a.username = r.string("username", true);
    a.name = r.optionalString("name").value_or("");
  });
}

Result<AccessToken> tokenFrom(const json& v, const std::string& where) {
  return readObject<AccessToken>(v, where, [](FieldReader& r, AccessToken& t) {
    t.id = r.integer("id", true);
    t.name = r.string("name", true);
    t.description = r.optionalString("description");
    t.scopes = r.strings("scopes");
    t.userId = r.integer("user_id", false);
    t.revoked = r.boolean("revoked", false);
    t.active = r.boolean("active", !t.revoked);
    t.expiresAt = r.date("expires_at");
    t.lastUsedAt = r.timestamp("last_used_at");
    t.createdAt = r.timestamp("created_at");
  });
}

Result<CiVariable> variableFrom(const json& v, const std::string& where) {
  return readObject<CiVariable>(v, where, [&v](FieldReader& r, CiVariable& out) {
    out.key = r.string("key", true);
    out.variableType = r.optionalString("variable_type").value_or("env_var");
    out.masked = r.boolean("masked", false);
    out.isProtected = r.boolean("protected", false);
    out.raw = r.boolean("raw", false);
    out.hidden = r.boolean("hidden", false);
    out.environmentScope = r.optionalString("environment_scope").value_or("*");
    if (auto it = v.find("value"); it != v.end() && it->is_string()) out.value = Secret(it->get<std::string>());
  });
}

Result<Project> projectFrom(const json& v, const std::string& where) {
  return readObject<Project>(v, where, [](FieldReader& r, Project& p) {
    p.id = r.integer("id", true);
    p.pathWithNamespace = r.string("path_with_namespace", true);
    p.webUrl = r.optionalString("web_url").value_or("");
  });
}

Result<Pipeline> pipelineFrom(const json& v, const std::string& where) {
  return readObject<Pipeline>(v, where, [](FieldReader& r, Pipeline& p) {
    p.id = r.integer("id", true);
    p.status = r.string("status", true);
    p.ref = r.optionalString("ref").value_or("");
    p.webUrl = r.optionalString("web_url").value_or("");
  });
}

Result<Issue> issueFrom(const json& v, const std::string& where) {
  return readObject<Issue>(v, where, [](FieldReader& r, Issue& i) {
    i.iid = r.integer("iid", true);
    i.title = r.optionalString("title").value_or("");
    i.state = r.string("state", true);
    i.webUrl = r.optionalString("web_url").value_or("");
    i.labels = r.strings("labels");
  });
}

// Parses without exceptions; the detail never quotes the text (it may hold a token value).
Result<json> parseText(const std::string& text) {
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) {
    return unreadable("malformed JSON (" + std::to_string(text.size()) + " bytes)");
  }
  return v;
}

template <typename T, typename ItemFn>
Result<T> objectFrom(const std::string& text, const char* itemName, ItemFn item) {
  try {
    auto v = parseText(text);
    if (!v) return v.error();
    return item(*v, itemName);
  } catch (const std::exception& e) {
    return unreadable(std::string("unexpected JSON error: ") + e.what());
  }
}

template <typename T, typename ItemFn>
Result<std::vector<T>> arrayFrom(const std::string& text, const char* itemName, ItemFn item) {
  try {
    auto v = parseText(text);
    if (!v) return v.error();
    if (!v->is_array()) {
      return unreadable(std::string("expected an array of ") + itemName + ", got " + v->type_name());
    }
    std::vector<T> out;
    out.reserve(v->size());
    for (size_t i = 0; i < v->size(); ++i) {
      auto one = item((*v)[i], std::string(itemName) + " [" + std::to_string(i) + "]");
      if (!one) return one.error();
      out.push_back(std::move(one).value());
    }
    return out;
  } catch (const std::exception& e) {
    return unreadable(std::string("unexpected JSON error: ") + e.what());
  }
}

json optionalOrNull(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

Result<TokenOwner> parseServiceAccount(const std::string& text) {
  return objectFrom<TokenOwner>(text, "service account", accountFrom);
}

Result<std::vector<TokenOwner>> parseServiceAccounts(const std::string& text) {
  return arrayFrom<TokenOwner>(text, "service account", accountFrom);
}

Result<AccessToken> parseAccessToken(const std::string& text) {
  return objectFrom<AccessToken>(text, "token", tokenFrom);
}

Result<std::vector<AccessToken>> parseAccessTokens(const std::string& text) {
  return arrayFrom<AccessToken>(text, "token", tokenFrom);
}

Result<CreatedToken> parseCreatedToken(const std::string& text) {
  auto tokenWithValue = [](const json& v, const std::string& where) -> Result<CreatedToken> {
    auto token = tokenFrom(v, where);
    if (!token) return token.error();
    auto it = v.find("token");
    if (it == v.end() || it->is_null()) return unreadable(where + ": field \"token\" is missing");
    if (!it->is_string()) {
      return unreadable(where + ": field \"token\" is " + it->type_name() + ", expected a string");
    }
    if (it->get_ref<const std::string&>().empty()) return unreadable(where + ": field \"token\" is empty");
    return CreatedToken{std::move(token).value(), Secret(it->get<std::string>())};
  };
  return objectFrom<CreatedToken>(text, "created token", tokenWithValue);
}

Result<CiVariable> parseCiVariable(const std::string& text) {
  return objectFrom<CiVariable>(text, "variable", variableFrom);
}

Result<Project> parseProject(const std::string& text) { return objectFrom<Project>(text, "project", projectFrom); }

Result<Pipeline> parsePipeline(const std::string& text) {
  return objectFrom<Pipeline>(text, "pipeline", pipelineFrom);
}

Result<std::vector<Pipeline>> parsePipelines(const std::string& text) {
  return arrayFrom<Pipeline>(text, "pipeline", pipelineFrom);
}

Result<Issue> parseIssue(const std::string& text) { return objectFrom<Issue>(text, "issue", issueFrom); }

Result<std::vector<Issue>> parseIssues(const std::string& text) {
  return arrayFrom<Issue>(text, "issue", issueFrom);
}

Result<AccessToken> accessTokenFromJson(const nlohmann::json& value) {
  try {
    return tokenFrom(value, "token");
  } catch (const std::exception& e) {
    return unreadable(std::string("unexpected JSON error: ") + e.what());
  }
}

nlohmann::json toJson(const AccessToken& token) {
  json j = json::object();
  j["id"] = token.id;
  j["name"] = token.name;
  j["description"] = optionalOrNull(token.description);
  j["scopes"] = token.scopes;
  j["user_id"] = token.userId;
  j["revoked"] = token.revoked;
  j["active"] = token.active;
  j["expires_at"] = token.expiresAt ? json(formatDate(*token.expiresAt)) : json(nullptr);
  j["last_used_at"] = token.lastUsedAt ? json(formatTimestamp(*token.lastUsedAt)) : json(nullptr);
  j["created_at"] = token.createdAt ? json(formatTimestamp(*token.createdAt)) : json(nullptr);
  return j;
}

nlohmann::json toJson(const TokenOwner& account) {
  return json{{"id", account.id}, {"username", account.username}, {"name", account.name}};
}

nlohmann::json toJson(const TokenSpec& spec) {
  json j = json::object();
  j["name"] = spec.name;
  j["scopes"] = spec.scopes;
  j["expires_at"] = formatDate(spec.expiresAt);
  if (spec.description) j["description"] = *spec.description;
  return j;
}

nlohmann::json toJson(const IssueSpec& spec) {
  json j = json::object();
  j["title"] = spec.title;
  j["description"] = spec.description;
  if (!spec.labels.empty()) {
    std::string labels;
    for (const auto& l : spec.labels) labels += (labels.empty() ? "" : ",") + l;
    j["labels"] = labels;
  }
  return j;
}

}  // namespace patbot::gitlab
