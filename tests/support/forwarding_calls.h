// expectEveryCallForwarded: calls every GitLabApi method once on a decorator wrapped around a
// RecordingGitLabApi, with arguments distinct per call, and expects each to reach the recorder
// exactly once, as the same method with the same arguments, and its answer to come back
// unchanged. A method added to GitLabApi must be added here too (RecordingGitLabApi, being
// complete, fails to compile until it answers it).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "gitlab/gitlab_api.h"
#include "tests/support/recording_gitlab_api.h"

namespace patbot::testing {

inline void expectEveryCallForwarded(gitlab::GitLabApi& outer, RecordingGitLabApi& inner) {
  const gitlab::TokenOwner account{10, "inventory-bot", "Inventory"};
  const gitlab::TokenOwner project{20, "sec/app", "app", gitlab::TokenKind::kProject};
  const gitlab::TokenSpec spec{"nightly", std::nullopt, {"api"}, Date(std::chrono::year(2027) / 1 / 31)};
  const gitlab::VariableRef variable{gitlab::VariableOwnerKind::kProject, "sec/app", "GITLAB_TOKEN", ""};
  const gitlab::IssueSpec issue{"Token expiring", "facts", {"pat-expiry"}};
  gitlab::IssueQuery query;
  query.search = "expiring";

  // The line RecordingGitLabApi writes down, and the call with its answer's Error (every
  // recorder answer is one).
  auto errorOf = [](const auto& result) { return result.ok() ? std::string("ok") : result.error().message; };
  const std::vector<std::pair<std::string, std::function<std::string()>>> calls = {
      {"listServiceAccounts", [&] { return errorOf(outer.listServiceAccounts()); }},
      {"listTokens inventory-bot", [&] { return errorOf(outer.listTokens(account)); }},
      {"inventory", [&] { return errorOf(outer.inventory()); }},
      {"selfToken", [&] { return errorOf(outer.selfToken()); }},
      {"tokenSelf glpat-checked", [&] { return errorOf(outer.tokenSelf(Secret("glpat-checked"))); }},
      {"getToken inventory-bot 41", [&] { return errorOf(outer.getToken(account, 41)); }},
      {"createToken inventory-bot nightly", [&] { return errorOf(outer.createToken(account, spec)); }},
      {"revokeToken inventory-bot 42", [&] { return errorOf(outer.revokeToken(account, 42)); }},
      {"rotateToken sec/app 47 2027-01-31",
       [&] { return errorOf(outer.rotateToken(project, 47, Date(std::chrono::year(2027) / 1 / 31))); }},
      {"getResource group sec", [&] { return errorOf(outer.getResource(gitlab::TokenKind::kGroup, "sec")); }},
      {"callerAccess sec/app", [&] { return errorOf(outer.callerAccess(project)); }},
      {"botUserTies sec/app 48", [&] { return errorOf(outer.botUserTies(project, 48)); }},
      {"getVariable sec/app GITLAB_TOKEN", [&] { return errorOf(outer.getVariable(variable)); }},
      {"updateVariable sec/app GITLAB_TOKEN glpat-new",
       [&] { return errorOf(outer.updateVariable(variable, Secret("glpat-new"))); }},
      {"getProject sec/app", [&] { return errorOf(outer.getProject("sec/app")); }},
      {"latestPipeline sec/app main failed", [&] { return errorOf(outer.latestPipeline("sec/app", "main", "failed")); }},
      {"retryPipeline sec/app 43", [&] { return errorOf(outer.retryPipeline("sec/app", 43)); }},
      {"createPipeline sec/app release", [&] { return errorOf(outer.createPipeline("sec/app", "release")); }},
      {"getPipeline sec/app 44", [&] { return errorOf(outer.getPipeline("sec/app", 44)); }},
      {"addIssueNote sec/team 45 rotated", [&] { return errorOf(outer.addIssueNote("sec/team", 45, "rotated")); }},
      {"closeIssue sec/team 46", [&] { return errorOf(outer.closeIssue("sec/team", 46)); }},
      {"createIssue sec/team Token expiring", [&] { return errorOf(outer.createIssue("sec/team", issue)); }},
      {"listIssues sec/team expiring", [&] { return errorOf(outer.listIssues("sec/team", query)); }},
  };

  std::vector<std::string> expected;
  for (const auto& [line, call] : calls) {
    EXPECT_EQ(call(), line + RecordingGitLabApi::kUnanswered) << "the answer to " << line << " did not come back";
    expected.push_back(line);
  }
  EXPECT_EQ(inner.calls(), expected);
}

}  // namespace patbot::testing
