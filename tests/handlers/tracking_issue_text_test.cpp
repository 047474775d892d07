// The tracking issue's title (how the watcher finds its issue again) and description, for every
// kind of token.
#include "handlers/tracking_issue_text.h"

#include <gtest/gtest.h>

namespace patbot::handlers {
namespace {

using gitlab::TokenKind;

gitlab::AccessToken token(int64_t id, std::string name, std::optional<int> accessLevel = std::nullopt) {
  gitlab::AccessToken t;
  t.id = id;
  t.name = std::move(name);
  t.scopes = {"api", "read_registry"};
  t.expiresAt = *parseDate("2026-03-05");
  t.accessLevel = accessLevel;
  return t;
}

// A personal token's title is as it always was: issues opened before project and group tokens
// existed are found again.
TEST(TrackingIssueText, TitlesNameKindOwnerNameAndId) {
  EXPECT_EQ(trackingIssueTitle({11, "deploy-bot", "", TokenKind::kPersonal}, "registry", 103),
            "Service account token expiring: deploy-bot / registry (id 103)");
  EXPECT_EQ(trackingIssueTitle({11, "sec/app", "", TokenKind::kProject}, "registry", 9001),
            "Access token expiring: project sec/app \xC2\xB7 registry (id 9001)");
  EXPECT_EQ(trackingIssueTitle({40, "sec", "", TokenKind::kGroup}, "registry", 9002),
            "Access token expiring: group sec \xC2\xB7 registry (id 9002)");
}

// The facts above the runbook steps: the owner as its kind says, and a project or group token's role.
TEST(TrackingIssueText, DescriptionNamesTheOwnerByKind) {
  Policy policy;
  auto head = [&](const gitlab::TokenOwner& owner, const gitlab::AccessToken& t) {
    const std::string text = trackingIssueDescription(owner, t, 3, nullptr, policy);
    return text.substr(0, text.find("- Expiry"));
  };
  EXPECT_EQ(head({11, "deploy-bot", "", TokenKind::kPersonal}, token(103, "registry")),
            "patbot found a service-account token that needs attention before something breaks.\n\n"
            "- Account: `deploy-bot`\n- Token: `registry` (id 103)\n- Scopes: `api, read_registry`\n");
  EXPECT_EQ(head({11, "sec/app", "", TokenKind::kProject}, token(9001, "registry", 40)),
            "patbot found a project access token that needs attention before something breaks.\n\n"
            "- Project: `sec/app`\n- Token: `registry` (id 9001)\n- Scopes: `api, read_registry`\n"
            "- Role: Maintainer\n");
  EXPECT_EQ(head({40, "sec", "", TokenKind::kGroup}, token(9002, "ci", 50)),
            "patbot found a group access token that needs attention before something breaks.\n\n"
            "- Group: `sec`\n- Token: `ci` (id 9002)\n- Scopes: `api, read_registry`\n- Role: Owner\n");
}

}  // namespace
}  // namespace patbot::handlers
