// What people read is what was meant: every message builder that shows text from GitLab or a user
// (a token name, an account, a consumer, an error sentence echoing them) is fed a hostile name and
// must neither let it become markup (a mention, a link, an entity, a code span) nor mangle it. The
// blocks' mrkdwn and the `text` fallback are both checked; the terminal rendering shows the name
// as it is.
#include <algorithm>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "handlers/expiry_digest.h"
#include "handlers/rotation_messages.h"
#include "handlers/status_format.h"
#include "handlers/token_resolver.h"
#include "handlers/tracking_issue_text.h"
#include "slack/block_kit.h"
#include "slack/terminal_renderer.h"

namespace patbot::handlers {
namespace {

using nlohmann::json;

const std::string kHostile = "<!channel> <https://evil.example|click> a`b &amp;";
// kHostile as Slack must receive it: entities for & < >, the backtick stand-in for `.
const std::string kHostileEscaped = "&lt;!channel&gt; &lt;https://evil.example|click&gt; a\xCB\x8B" "b &amp;amp;";
const Date kDay = *parseDate("2026-03-02");

// Every mrkdwn string of a message: the fallback text and each mrkdwn text object of its blocks.
void collectMrkdwn(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    if (node.value("type", "") == "mrkdwn" && node.contains("text") && node["text"].is_string()) {
      out.push_back(node["text"]);
    }
    for (const auto& [key, value] : node.items()) collectMrkdwn(value, out);
  } else if (node.is_array()) {
    for (const auto& value : node) collectMrkdwn(value, out);
  }
}

std::vector<std::string> mrkdwnOf(const slack::Message& m) {
  std::vector<std::string> out{m.text};
  collectMrkdwn(m.blocks, out);
  return out;
}

// The problems of one mrkdwn string, "" when none: a "<" or ">" outside patbot's own mentions and
// links, an "&" that starts no entity, a link to evil.example, a ``` block holding a backtick, or
// a line with an odd number of inline backticks (a code span left open or closed early).
std::string problemsOf(const std::string& mrkdwn) {
  static const std::regex kOwnMarkup(R"(<@[UW][A-Z0-9]+>|<(https?://[^<>|\s]+)\|[^<>]*>)");
  std::string problems;
  std::string rest;
  for (std::sregex_iterator it(mrkdwn.begin(), mrkdwn.end(), kOwnMarkup), end; it != end; ++it) {
    if ((*it)[1].str().find("evil.example") != std::string::npos) problems += "a link to evil.example; ";
  }
  rest = std::regex_replace(mrkdwn, kOwnMarkup, "");
  if (rest.find_first_of("<>") != std::string::npos) problems += "a raw < or >; ";
  for (std::size_t at = rest.find('&'); at != std::string::npos; at = rest.find('&', at + 1)) {
    if (rest.compare(at, 5, "&amp;") != 0 && rest.compare(at, 4, "&lt;") != 0 && rest.compare(at, 4, "&gt;") != 0) {
      problems += "a raw &; ";
    }
  }
  std::string inline_;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    const std::size_t open = rest.find("```", pos);
    const std::size_t close = open == std::string::npos ? open : rest.find("```", open + 3);
    if (close == std::string::npos) {
      inline_ += rest.substr(pos);
      break;
    }
    inline_ += rest.substr(pos, open - pos);
    if (rest.substr(open + 3, close - open - 3).find('`') != std::string::npos) problems += "a backtick in a ``` block; ";
    pos = close + 3;
  }
  std::size_t lineStart = 0;
  while (lineStart <= inline_.size()) {
    std::size_t lineEnd = inline_.find('\n', lineStart);
    if (lineEnd == std::string::npos) lineEnd = inline_.size();
    const std::string line = inline_.substr(lineStart, lineEnd - lineStart);
    if (std::count(line.begin(), line.end(), '`') % 2 != 0) problems += "an unbalanced code span in \"" + line + "\"; ";
    lineStart = lineEnd + 1;
  }
  return problems;
}

struct Case {
  std::string name;
  std::function<std::vector<slack::Message>()> build;
  std::string mustShow = kHostileEscaped;   // what the mrkdwn must contain (what was meant)
  std::string terminalShows;                // what the CLI's rendering shows ("" = not rendered there)
};

RotationPlan hostilePlan() {
  RotationPlan p;
  p.account.username = "deploy-bot";
  p.oldToken.id = 41;
  p.oldToken.name = kHostile;
  p.oldToken.scopes = {"api", kHostile};
  p.newSpec.expiresAt = kDay;
  p.consumers = {{gitlab::VariableOwnerKind::kProject, kHostile, kHostile, kHostile}};
  p.pipeline = PipelineRef{kHostile, kHostile};
  p.issue = IssueRef{kHostile, 7};
  return p;
}

RotationResult hostileResult(storage::RotationState state) {
  RotationResult r;
  r.rotationId = 9;
  r.state = state;
  r.consumersUpdated = {kHostile};
  r.pipelineUrl = "https://gitlab.example.com/p/-/pipelines/5|<!channel>";   // from GitLab, yet no link text
  r.pipelineStatus = kHostile;
  r.summary = "deploy-bot/" + kHostile + ": could not create the new token: " + kHostile;
  r.decisions = {Decision::kRetry};
  return r;
}

PendingRotation hostilePending(storage::RotationState state) {
  PendingRotation p;
  p.rotationId = 9;
  p.state = state;
  p.actor = "cli:" + kHostile;
  p.startedAt = "2026-03-02T10:00:00Z";
  p.stoppedAt = "deliver: " + kHostile;
  p.decisions = {Decision::kRollBack};
  return p;
}

std::vector<StatusRow> hostileRows() {
  StatusRow r;
  r.account = kHostile;
  r.tokenName = "a`b " + kHostile;   // the token column keeps 40 code points: the backtick first
  r.tokenId = 41;
  r.scopes = {kHostile};
  r.expiresAt = kDay;
  r.daysLeft = 3;
  r.state = TokenState::kExpiring;
  return {r};
}

gitlab::Inventory hostileInventory() {
  gitlab::Inventory inventory;
  gitlab::AccountTokens account;
  account.account.username = "deploy-bot";
  gitlab::AccessToken token;
  token.id = 41;
  token.name = "registry";
  account.tokens = {token};
  inventory.accounts = {account};
  return inventory;
}

// A project token whose path and name come from GitLab: the owner column shows "project " + path.
std::vector<StatusRow> hostileProjectRows() {
  StatusRow r = hostileRows()[0];
  r.kind = gitlab::TokenKind::kProject;
  r.account = "sec/" + kHostile;
  r.accessLevel = 40;
  return {r};
}

// hostileInventory() and a project whose full path is kHostile (it holds '/') with a token named
// kHostile.
gitlab::Inventory hostileMixedInventory() {
  gitlab::Inventory inventory = hostileInventory();
  gitlab::AccountTokens project;
  project.account = {7, kHostile, "", gitlab::TokenKind::kProject};
  gitlab::AccessToken token;
  token.id = 43;
  token.name = kHostile;
  project.tokens = {token};
  inventory.accounts.push_back(project);
  return inventory;
}

std::vector<Case> cases() {
  std::vector<Case> all;
  all.push_back({"plan", [] { return std::vector{planMessage(hostilePlan(), "c-1", false)}; }, kHostileEscaped, kHostile});
  all.push_back({"plan, dry run", [] { return std::vector{planMessage(hostilePlan(), "", true)}; }, kHostileEscaped, kHostile});
  all.push_back({"progress", [] {
                   RotationProgress progress{"Rotating deploy-bot/" + kHostile,
                                             {{"run pipeline " + kHostile, StepState::kFailed, kHostile}}};
                   return std::vector{progressMessage(progress)};
                 }, kHostileEscaped, ""});
  for (auto state : {storage::RotationState::kCompleted, storage::RotationState::kFailed,
                     storage::RotationState::kAwaitingDecision}) {
    all.push_back({std::string("announcement, ") + storage::rotationStateName(state), [state] {
                     auto result = hostileResult(state);
                     if (state == storage::RotationState::kCompleted) result.newToken = gitlab::AccessToken{};
                     return std::vector{resultMessage(hostilePlan(), result, "cli:" + kHostile)};
                   }, kHostileEscaped, ""});
  }
  for (auto state : {storage::RotationState::kDelivering, storage::RotationState::kAwaitingDecision}) {
    all.push_back({std::string("pending rotation, ") + storage::rotationStateName(state), [state] {
                     return std::vector{pendingRotationMessage("deploy-bot/" + kHostile, hostilePending(state))};
                   }, kHostileEscaped, kHostile});
  }
  all.push_back({"watcher digest", [] {
                   DigestEntry e{kHostile, kHostile, 41, kDay, 3, true, kHostile, "https://gitlab.example.com/x>|<!channel>"};
                   DigestEntry plain{"deploy-bot", "registry", 42, kDay, 3, false, "", "javascript:alert(1)"};
                   plain.issueLabel = kHostile;
                   return digestMessages({e, plain}, DigestStaleness{TimePoint(kDay), "GitLab said " + kHostile});
                 }, kHostileEscaped, ""});
  all.push_back({"watcher digest, project and group", [] {
                   DigestEntry project{kHostile, kHostile, 43, kDay, 3, true, "", "", gitlab::TokenKind::kProject};
                   DigestEntry group{"sec/" + kHostile, "registry", 44, kDay, -1, true, "", "", gitlab::TokenKind::kGroup};
                   return digestMessages({project, group}, std::nullopt);
                 }, kHostileEscaped, ""});
  all.push_back({"status", [] { return statusMessages(hostileRows(), 30, {"Checked today"}); },
                 slack::escapeText("a`b " + kHostile.substr(0, 30)), ""});
  all.push_back({"status, project path", [] { return statusMessages(hostileProjectRows(), 30, {"Checked today"}); },
                 slack::escapeText("project sec/" + kHostile.substr(0, 20)), ""});
  all.push_back({"table", [] {
                   slack::Table t{{"who", kHostile}, {{kHostile, "```" + kHostile + "```"}}, {}};
                   return slack::tableMessages("Audit trail", "1 entry", t, {}, true);
                 }, kHostileEscaped, ""});
  all.push_back({"error: no such token", [] {
                   auto resolved = resolveToken(hostileInventory(), "deploy-bot/" + kHostile);
                   EXPECT_FALSE(resolved);
                   return std::vector{slack::errorReply(":x: Cannot rotate:", resolved ? "" : resolved.error().message)};
                 }, kHostileEscaped, kHostile});
  all.push_back({"error: not ACCOUNT/NAME", [] {
                   auto resolved = resolveToken(hostileInventory(), kHostile);   // ACCOUNT "<!channel> <https:"
                   EXPECT_FALSE(resolved);
                   return std::vector{slack::errorReply(":x: Cannot rotate:", resolved ? "" : resolved.error().message)};
                 }, slack::escapeText("\"<!channel> <https:\""), "\"<!channel> <https:\""});
  all.push_back({"error: project not watched", [] {
                   auto resolved = resolveToken(hostileMixedInventory(), "project:sec/" + kHostile + "/x");
                   EXPECT_FALSE(resolved);
                   return std::vector{slack::errorReply(":x: Cannot rotate:", resolved ? "" : resolved.error().message)};
                 }, slack::escapeText("project sec/" + kHostile + " is not watched"), "project sec/" + kHostile});
  all.push_back({"error: no such token of a project", [] {
                   auto resolved = resolveToken(hostileMixedInventory(), "project:" + kHostile + "/nope");
                   EXPECT_FALSE(resolved);
                   return std::vector{slack::errorReply(":x: Cannot rotate:", resolved ? "" : resolved.error().message)};
                 }, slack::escapeText("project " + kHostile + " has no unrevoked token named \"nope\" (it has \"" +
                                      kHostile + "\")"), "(it has \"" + kHostile + "\")"});
  return all;
}

TEST(HostileText, NoBuilderTurnsOutsideTextIntoMarkup) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto messages = c.build();
    ASSERT_FALSE(messages.empty());
    bool shown = false;
    for (const auto& m : messages) {
      for (const auto& mrkdwn : mrkdwnOf(m)) {
        EXPECT_EQ(problemsOf(mrkdwn), "") << mrkdwn;
        EXPECT_EQ(mrkdwn.find("<!channel>"), std::string::npos) << mrkdwn;
        EXPECT_EQ(mrkdwn.find("a`b"), std::string::npos) << "a raw backtick from outside: " << mrkdwn;
        if (mrkdwn.find(c.mustShow) != std::string::npos) shown = true;
      }
      if (!c.terminalShows.empty()) {
        EXPECT_NE(slack::renderForTerminal(m).find(c.terminalShows), std::string::npos)
            << "the CLI shows the name as it is:\n" << slack::renderForTerminal(m);
      }
    }
    EXPECT_TRUE(shown) << "the escaped name appears: " << c.mustShow;
  }
}

// GitLab markdown (CommonMark) can fence any text: the tracking issue shows names verbatim, and an
// @mention, a link or HTML inside a name stays inert text.
TEST(HostileText, TrackingIssueShowsNamesAsCode) {
  EXPECT_EQ(markdownCode("registry"), "`registry`");
  EXPECT_EQ(markdownCode("a`b"), "``a`b``");
  EXPECT_EQ(markdownCode("`x``"), "``` `x`` ```");
  EXPECT_EQ(markdownCode("two\n\nlines"), "`two  lines`");

  gitlab::AccessToken token;
  token.id = 41;
  token.name = "@all a`b\n\n# <script>";
  token.scopes = {"api"};
  Policy policy;
  const std::string text =
      trackingIssueDescription({1, "deploy-bot", "", gitlab::TokenKind::kPersonal}, token, 3, nullptr, policy);
  EXPECT_NE(text.find("- Token: ``@all a`b  # <script>`` (id 41)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n# "), std::string::npos) << "a heading came out of the name:\n" << text;
}

// A project's path from GitLab is code in the issue too, in the Project line; the title names it as
// it is (GitLab renders no markup in titles).
TEST(HostileText, TrackingIssueShowsAProjectPathAsCode) {
  gitlab::AccessToken token;
  token.id = 43;
  token.name = "deploy";
  token.scopes = {"api"};
  token.accessLevel = 40;
  const gitlab::TokenOwner project{7, "sec/@all a`b\n\n# <script>", "", gitlab::TokenKind::kProject};
  const std::string text = trackingIssueDescription(project, token, 3, nullptr, Policy{});
  EXPECT_NE(text.find("- Project: ``sec/@all a`b  # <script>``\n- Token: `deploy` (id 43)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- Role: Maintainer\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n# "), std::string::npos) << "a heading came out of the path:\n" << text;
}

// The CLI's status table: one line per token, no control character from outside.
TEST(HostileText, StatusTextKeepsOneLinePerToken) {
  auto rows = hostileRows();
  rows[0].tokenName = "a\nb\x1b[2J";
  const std::string text = statusText(rows);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("a b\xEF\xBF\xBD[2J"), std::string::npos) << text;
}

// A project's path from GitLab is one cell of one line too, its controls neutralised.
TEST(HostileText, StatusTextKeepsAProjectPathOnOneLine) {
  auto rows = hostileProjectRows();
  rows[0].account = "sec/a\nb\x1b[2J";
  const std::string text = statusText(rows);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("project sec/a b\xEF\xBF\xBD[2J"), std::string::npos) << text;
}

// The checker itself finds what the builders must not produce.
TEST(HostileText, CheckerFindsUnescapedText) {
  EXPECT_EQ(problemsOf("ok <@U123> <https://gitlab.example.com/x|x &amp; y> `a` ```\nb\n```"), "");
  EXPECT_NE(problemsOf("<!channel>"), "");
  EXPECT_NE(problemsOf("<https://evil.example|click>"), "");
  EXPECT_EQ(problemsOf("<https://gitlab.example.com/x|evil.example>"), "");
  EXPECT_NE(problemsOf("a & b"), "");
  EXPECT_NE(problemsOf("`a`b`"), "");
  EXPECT_NE(problemsOf("```\na```b\n```"), "");
}

}  // namespace
}  // namespace patbot::handlers
