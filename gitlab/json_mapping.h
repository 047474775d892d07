// GitLab JSON <-> patbot's GitLab types (reference/gitlab-api.md §2.1, §3, §4).
// Parsing is tolerant: unknown fields are ignored; `description`, `expires_at`, `last_used_at`,
// `created_at` and `access_level` (project and group tokens, §4) may be null or absent; `scopes`
// may be absent (empty). Malformed JSON or a field of the wrong type gives Error kProtocol
// "GitLab sent an answer patbot could not read" with `detail` naming the field. These functions
// never throw, and no Error they return ever contains a token value.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

inline constexpr const char* kUnreadableAnswer = "GitLab sent an answer patbot could not read";

Result<TokenOwner> parseServiceAccount(const std::string& text);
Result<std::vector<TokenOwner>> parseServiceAccounts(const std::string& text);

Result<AccessToken> parseAccessToken(const std::string& text);
Result<std::vector<AccessToken>> parseAccessTokens(const std::string& text);
// A create/rotate answer: the token object plus its `token` value (required, non-empty).
Result<CreatedToken> parseCreatedToken(const std::string& text);

// A variable (§5.1). `value` goes into a Secret (nullopt when null, as for hidden variables);
// no Error quotes the text.
Result<CiVariable> parseCiVariable(const std::string& text);
Result<Project> parseProject(const std::string& text);        // id, path_with_namespace, web_url
Result<Pipeline> parsePipeline(const std::string& text);      // id, status, ref, web_url
Result<std::vector<Pipeline>> parsePipelines(const std::string& text);
Result<Issue> parseIssue(const std::string& text);            // iid, title, state, web_url, labels
Result<std::vector<Issue>> parseIssues(const std::string& text);

// The same mapping from an already-parsed value (e.g. a row cached as JSON in SQLite).
Result<AccessToken> accessTokenFromJson(const nlohmann::json& value);
// A TokenOwner as toJson(TokenOwner) writes it (the watcher's snapshot, handlers/cached_inventory):
// id, username, name, kind ("personal", "project", "group"; absent = personal, as in snapshots
// written before project and group tokens; any other value is an Error).
Result<TokenOwner> tokenOwnerFromJson(const nlohmann::json& value);

// GitLab's own field names and formats (expires_at "YYYY-MM-DD", timestamps RFC 3339 with ms,
// null for absent optionals, access_level null for a personal token), so
// accessTokenFromJson(toJson(t)) gives t back. Never a value.
nlohmann::json toJson(const AccessToken& token);
// {id, username, name, kind}: tokenOwnerFromJson(toJson(o)) gives o back.
nlohmann::json toJson(const TokenOwner& account);
// The create-token body (§2.6, §3.2, §4): {name, scopes, expires_at "YYYY-MM-DD"[, description]
// [, access_level]}; description and access_level only when set.
nlohmann::json toJson(const TokenSpec& spec);
// The create-issue body (§7): {title, description, labels "a,b"} (labels only when set).
nlohmann::json toJson(const IssueSpec& spec);

}  // namespace patbot::gitlab
