#include "gitlab/json_mapping.h"

#include <exception>
#include <optional>
#include <utility>

#include "core/time_format.h"
#include "gitlab/json_field_reader.h"

namespace patbot::gitlab {
namespace {

using nlohmann::json;

using namespace json_detail;

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
    if (auto level = r.optionalInteger("access_level")) {
      if (*level < 0 || *level > kMaxAccessLevel) {
        r.fail("field \"access_level\" is " + std::to_string(*level) + ", not an access level");
      } else {
        t.accessLevel = static_cast<int>(*level);
      }
    }
  });
}

// A TokenOwner as toJson(TokenOwner) writes it; no "kind" (a snapshot older than project and
// group tokens) reads as personal.
Result<TokenOwner> ownerFrom(const json& v, const std::string& where) {
  return readObject<TokenOwner>(v, where, [](FieldReader& r, TokenOwner& a) {
    a.id = r.integer("id", true);
    a.username = r.string("username", true);
    a.name = r.optionalString("name").value_or("");
    if (auto kind = r.optionalString("kind")) {
      if (auto parsed = parseTokenKind(*kind)) {
        a.kind = *parsed;
      } else {
        r.fail("field \"kind\" is not personal, project or group");
      }
    }
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

Result<TokenOwner> tokenOwnerFromJson(const nlohmann::json& value) {
  try {
    return ownerFrom(value, "token owner");
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
  j["access_level"] = token.accessLevel ? json(*token.accessLevel) : json(nullptr);
  return j;
}

nlohmann::json toJson(const TokenOwner& account) {
  return json{{"id", account.id}, {"username", account.username}, {"name", account.name},
              {"kind", tokenKindName(account.kind)}};
}

nlohmann::json toJson(const TokenSpec& spec) {
  json j = json::object();
  j["name"] = spec.name;
  j["scopes"] = spec.scopes;
  j["expires_at"] = formatDate(spec.expiresAt);
  if (spec.description) j["description"] = *spec.description;
  if (spec.accessLevel) j["access_level"] = *spec.accessLevel;
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
