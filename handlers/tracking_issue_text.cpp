#include "handlers/tracking_issue_text.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "handlers/expiry_digest.h"
#include "handlers/token_naming.h"

namespace patbot::handlers {

std::string markdownCode(std::string_view text) {
  std::string body(text);
  for (char& c : body) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  std::size_t longest = 0;
  for (std::size_t i = 0; i < body.size();) {
    std::size_t run = 0;
    while (i < body.size() && body[i] == '`') ++run, ++i;
    longest = std::max(longest, run);
    if (run == 0) ++i;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return pad ? fence + " " + body + " " + fence : fence + body + fence;
}

std::string trackingIssueTitle(const gitlab::TokenOwner& owner, const std::string& tokenName, int64_t tokenId) {
  const char* what = owner.kind == gitlab::TokenKind::kPersonal ? "Service account token" : "Access token";
  return fmt::format("{} expiring: {} (id {})", what, tokenLabel(owner, tokenName), tokenId);
}

std::string trackingIssueDescription(const gitlab::TokenOwner& owner, const gitlab::AccessToken& token, int daysLeft,
                                     const TokenPolicy* entry, const Policy& policy) {
  std::string out;
  switch (owner.kind) {
    case gitlab::TokenKind::kPersonal:
      out = "patbot found a service-account token that needs attention before something breaks.\n\n";
      out += fmt::format("- Account: {}\n", markdownCode(owner.username));
      break;
    case gitlab::TokenKind::kProject:
      out = "patbot found a project access token that needs attention before something breaks.\n\n";
      out += fmt::format("- Project: {}\n", markdownCode(owner.username));
      break;
    case gitlab::TokenKind::kGroup:
      out = "patbot found a group access token that needs attention before something breaks.\n\n";
      out += fmt::format("- Group: {}\n", markdownCode(owner.username));
      break;
  }
  out += fmt::format("- Token: {} (id {})\n- Scopes: {}\n", markdownCode(token.name), token.id,
                     token.scopes.empty() ? std::string("none") : markdownCode(fmt::format("{}", fmt::join(token.scopes, ", "))));
  if (token.accessLevel) out += fmt::format("- Role: {}\n", gitlab::accessLevelName(*token.accessLevel));
  if (token.expiresAt) out += fmt::format("- Expiry: {}\n", expiryPhrase(daysLeft, *token.expiresAt));
  std::vector<std::string> consumers;
  if (entry) {
    for (const auto& v : entry->ciVariables) {
      consumers.push_back(fmt::format("CI/CD variable {} of project {}", markdownCode(v.key), markdownCode(v.project)));
    }
    for (const auto& v : entry->groupVariables) {
      consumers.push_back(fmt::format("CI/CD variable {} of group {}", markdownCode(v.key), markdownCode(v.group)));
    }
  }
  if (consumers.empty()) {
    out += "- Consumers: none configured. Add a `[[token]]` entry to patbot's policy file so a rotation can update "
           "them, or rotate with `--reveal` and update them by hand.\n";
  } else {
    out += "- Consumers patbot updates:\n";
    for (const auto& c : consumers) out += "  - " + c + "\n";
  }
  if (entry && entry->verifyPipeline) {
    out += fmt::format("- Verification pipeline: {} on {}\n", markdownCode(entry->verifyPipeline->project),
                       markdownCode(entry->verifyPipeline->ref));
  }
  out += fmt::format("\n## What patbot does on `/pat rotate {}`\n\n", token.id);
  out += "1. Create a replacement token with the same name, description and scopes and an explicit expiry ";
  out += fmt::format("({} days, clamped to the instance maximum).\n", policy.rotation.expiresInDays);
  out += "2. Write the new value to every consumer listed above.\n";
  out += "3. Verify: the new token answers `GET /personal_access_tokens/self` as active, and the verification "
         "pipeline succeeds.\n";
  out += policy.rotation.revokeGraceHours > 0
             ? fmt::format("4. Revoke the old token {} hours after the verification.\n", policy.rotation.revokeGraceHours)
             : std::string("4. Revoke the old token.\n");
  out += "5. Comment on this issue and close it.\n";
  if (policy.watch.autoRotateDaysBefore > 0 && !consumers.empty()) {
    out += fmt::format("\npatbot rotates this token automatically {} days before it expires.\n",
                       policy.watch.autoRotateDaysBefore);
  }
  return out;
}

}  // namespace patbot::handlers
