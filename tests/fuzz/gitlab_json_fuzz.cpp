// GitLab answers: every gitlab/json_mapping and gitlab/json_resources parse* function on the whole
// input (what toJson writes for the watcher's snapshot must read back the same), and
// gitlab/gitlab_errors errorFromResponse (with retryAfterSeconds, maxExpiryFromError and
// latestAcceptedExpiry) twice: once on the whole input as the body of a refusal chosen by the
// input's size, once with the input cut into line 1 = status, line 2 = Retry-After, rest = body.
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gitlab/gitlab_errors.h"
#include "gitlab/json_mapping.h"
#include "gitlab/json_resources.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;
using namespace patbot::gitlab;

namespace {

constexpr int kStatuses[] = {400, 401, 403, 404, 405, 409, 412, 422, 429, 500, 502, 503, 504, 302, 418};

bool sameToken(const AccessToken& a, const AccessToken& b) {
  using std::chrono::floor;
  using std::chrono::milliseconds;
  auto ms = [](const std::optional<TimePoint>& t) {
    return t ? std::optional(floor<milliseconds>(*t)) : std::nullopt;
  };
  return a.id == b.id && a.name == b.name && a.description == b.description && a.scopes == b.scopes &&
         a.userId == b.userId && a.revoked == b.revoked && a.active == b.active && a.expiresAt == b.expiresAt &&
         ms(a.lastUsedAt) == ms(b.lastUsedAt) && ms(a.createdAt) == ms(b.createdAt) && a.accessLevel == b.accessLevel;
}

void checkOwnerRoundTrip(const TokenOwner& owner) {
  auto back = tokenOwnerFromJson(toJson(owner));
  fuzz::check(back.ok(), "tokenOwnerFromJson reads what toJson(TokenOwner) wrote");
  fuzz::check(back->id == owner.id && back->username == owner.username && back->name == owner.name &&
                  back->kind == owner.kind,
              "tokenOwnerFromJson(toJson(o)) gives o back");
}

void checkRoundTrip(const AccessToken& token) {
  auto back = accessTokenFromJson(toJson(token));
  fuzz::check(back.ok(), "accessTokenFromJson reads what toJson(AccessToken) wrote");
  fuzz::check(sameToken(*back, token), "accessTokenFromJson(toJson(t)) gives t back");
}

void checkError(const Error& e) {
  fuzz::check(e.kind == ErrorKind::kProtocol && e.message == kUnreadableAnswer,
              "a parse failure is kProtocol with the fixed sentence");
}

// The string member `key` of a JSON object text, when it is long enough to be recognised.
std::optional<std::string> secretMember(const std::string& text, const char* key) {
  auto v = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object()) return std::nullopt;
  auto it = v.find(key);
  if (it == v.end() || !it->is_string() || it->get_ref<const std::string&>().size() < 20) return std::nullopt;
  return it->get<std::string>();
}

void checkNotQuoted(const Error& e, const std::optional<std::string>& secret) {
  if (!secret) return;
  fuzz::check(e.message.find(*secret) == std::string::npos && e.detail.find(*secret) == std::string::npos,
              "no Error quotes a secret value from the answer");
}

template <typename R>
void expect(const R& result) {
  if (!result) checkError(result.error());
}

// True when every "glpat-" in `s` is followed by "[redacted]" or by a character no token has.
bool tokensRedacted(const std::string& s) {
  for (size_t pos = s.find("glpat-"); pos != std::string::npos; pos = s.find("glpat-", pos + 1)) {
    size_t at = pos + 6;
    if (at >= s.size()) continue;
    if (s.compare(at, 10, "[redacted]") == 0) continue;
    const unsigned char c = static_cast<unsigned char>(s[at]);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') return false;
  }
  return true;
}

void checkRefusal(int status, const http::Headers& headers, const std::string& body) {
  const Error e = errorFromResponse(status, headers, body, "fuzzing", status % 2 ? TokenRole::kBot : TokenRole::kGiven);
  fuzz::check(!e.message.empty(), "a refusal has a sentence");
  fuzz::check(tokensRedacted(e.message) && tokensRedacted(e.detail), "glpat- values are redacted");
  (void)maxExpiryFromError(e);
  const Date today = Date(std::chrono::days(20000));
  const Date refused = today + std::chrono::days(365);
  if (auto retry = latestAcceptedExpiry(e, today, refused)) {
    fuzz::check(*retry > today && *retry < refused, "a retry date lies after today and before the refused date");
  }
  (void)reasonPhrase(status);
}

int statusFrom(std::string_view line, size_t fallback) {
  int status = 0;
  for (char c : line) {
    if (c < '0' || c > '9' || status > 100000) return kStatuses[fallback % std::size(kStatuses)];
    status = status * 10 + (c - '0');
  }
  return line.empty() ? kStatuses[fallback % std::size(kStatuses)] : status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::asText(data, size));

  if (auto account = parseServiceAccount(text)) {
    checkOwnerRoundTrip(*account);
  } else {
    checkError(account.error());
  }
  expect(parseServiceAccounts(text));
  for (TokenKind kind : {TokenKind::kProject, TokenKind::kGroup}) {
    if (auto owner = parseResourceOwner(text, kind)) {
      fuzz::check(owner->kind == kind, "a resource has the kind asked for");
      checkOwnerRoundTrip(*owner);
    } else {
      checkError(owner.error());
    }
  }
  expect(parseCurrentUser(text));
  expect(parseMemberAccessLevel(text));
  expect(parseMemberships(text));
  expect(parseProtectedBranches(text));
  expect(parseProtectedEnvironments(text));
  expect(parseProject(text));
  expect(parsePipeline(text));
  expect(parsePipelines(text));
  expect(parseIssue(text));
  expect(parseIssues(text));

  if (auto token = parseAccessToken(text)) {
    checkRoundTrip(*token);
  } else {
    checkError(token.error());
  }
  if (auto tokens = parseAccessTokens(text)) {
    for (const auto& t : *tokens) checkRoundTrip(t);
  } else {
    checkError(tokens.error());
  }
  if (auto created = parseCreatedToken(text)) {
    fuzz::check(!created->value.empty(), "a created token has a value");
  } else {
    checkError(created.error());
    checkNotQuoted(created.error(), secretMember(text, "token"));
  }
  if (auto variable = parseCiVariable(text); !variable) {
    checkError(variable.error());
    checkNotQuoted(variable.error(), secretMember(text, "value"));
  }

  checkRefusal(kStatuses[size % std::size(kStatuses)], {}, text);

  const auto parts = fuzz::splitLines(text, 3);
  if (parts.size() == 3) {
    http::Headers headers{{"retry-after", std::string(parts[1])}, {"content-type", "application/json"}};
    (void)retryAfterSeconds(headers);
    checkRefusal(statusFrom(parts[0], size), headers, std::string(parts[2]));
  }
  return 0;
}
