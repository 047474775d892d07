// End-to-end: the real patbot binary, the fake GitLab and fake Slack executables, real signed
// HTTP requests over loopback.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/e2e/e2e_assertions.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/fake_gitlab_view.h"
#include "tests/e2e/slack_messages.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using namespace std::chrono_literals;

TEST(ServeE2e, HealthReadinessAndMetrics) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  auto health = stack.get(stack.botUrl + "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");
  int ready = 0;
  waitUntil([&] { return (ready = stack.get(stack.botUrl + "/readyz").status) == 200; }, 10s);
  EXPECT_EQ(ready, 200);
  auto metrics = stack.get(stack.botUrl + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("patbot_http_requests_total{endpoint=\"/readyz\""), std::string::npos);
  EXPECT_NE(metrics.body.find("patbot_gitlab_requests_total"), std::string::npos);
}

TEST(ServeE2e, StatusListsEveryTokenAcrossPages) {
  StackOptions options;   // 105 accounts x 2 tokens: two pages of service accounts, > 100 tokens
  options.accounts = 105;
  options.tokensPerAccount = 2;
  E2eStack stack(options);
  ASSERT_TRUE(stackStarted(stack));
  auto sent = stack.slash("status --all");
  ASSERT_EQ(sent.value("status", 0), 200) << sent.dump();
  EXPECT_LT(sent.value("elapsed_ms", 99999), 3000);
  auto ack = nlohmann::json::parse(sent.value("body", "{}"));
  EXPECT_EQ(ack["response_type"], "ephemeral");

  // A long table arrives in several parts; the footer ("… GitLab calls") is on the last one.
  std::vector<nlohmann::json> messages;
  for (size_t want = 1; want <= 5; ++want) {
    messages = stack.messagesFor(sent["response_url"], want);
    if (messages.size() < want || messages.back().dump().find("GitLab calls") != std::string::npos) break;
  }
  ASSERT_FALSE(messages.empty());
  ASSERT_NE(messages.back().dump().find("GitLab calls"), std::string::npos) << "the last part never arrived";
  std::string all;
  for (const auto& m : messages) {
    EXPECT_EQ(m["message"]["response_type"], "in_channel");
    for (const auto& b : m["message"].value("blocks", nlohmann::json::array())) {
      if (b.contains("text") && b["text"].contains("text")) all += b["text"]["text"].get<std::string>() + "\n";
    }
  }
  std::map<int64_t, std::string> accountOf;
  for (const auto& sa : stack.seed()["service_accounts"]) accountOf[sa["id"]] = sa["username"];
  int checked = 0;
  for (const auto& t : stack.seed()["tokens"]) {
    auto owner = accountOf.find(t["user_id"]);
    if (owner == accountOf.end()) continue;   // the admin's own token is not a service account's
    bool found = false;
    std::string id = fmt::format(" {} ", t["id"].get<int64_t>());
    for (size_t pos = 0; (pos = all.find(owner->second + " ", pos)) != std::string::npos; ++pos) {
      auto end = all.find('\n', pos);
      if (all.substr(pos, end - pos).find(id) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << "token " << t["id"] << " of " << owner->second << " missing";
    ++checked;
  }
  EXPECT_GT(checked, 200);
  auto calls = fakeGitLabCalls(stack);
  bool secondPage = false;
  for (const auto& c : calls) {
    if (c["path"] == "/api/v4/service_accounts" && c["query"].get<std::string>().find("page=2") != std::string::npos) {
      secondPage = true;
    }
  }
  EXPECT_TRUE(secondPage) << "the service-account list was not paginated";
}

TEST(ServeE2e, HelpUnknownAndBadFlagsAreEphemeralAnswers) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  auto help = stack.slash("help");
  EXPECT_EQ(help.value("status", 0), 200);
  EXPECT_NE(help.value("body", "").find("status [QUERY] [--expiring DAYS] [--all]"), std::string::npos);
  auto unknown = stack.slash("frobnicate");
  EXPECT_EQ(unknown.value("status", 0), 200);
  EXPECT_NE(unknown.value("body", "").find("Unknown subcommand"), std::string::npos);
  auto audit = stack.slash("audit --limit 5");
  EXPECT_EQ(audit.value("status", 0), 200);
  EXPECT_NE(audit.value("body", "").find("command.unknown"), std::string::npos) << audit.dump();
  auto bad = stack.slash("status --expiring soon");
  EXPECT_EQ(bad.value("status", 0), 200);
  EXPECT_NE(bad.value("body", "").find("Usage"), std::string::npos);
}

TEST(ServeE2e, BadlySignedRequestsAre401AndAudited) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  for (auto variant : {nlohmann::json{{"signature", "bad"}}, nlohmann::json{{"signature", "missing"}},
                       nlohmann::json{{"signature", "uppercase"}}, nlohmann::json{{"timestamp_offset_s", -301}},
                       nlohmann::json{{"timestamp_offset_s", 301}}}) {
    auto sent = stack.slash("status", "U0ALICE001", variant);
    EXPECT_EQ(sent.value("status", 0), 401) << variant.dump();
  }
  auto ok = stack.slash("help", "U0ALICE001", {{"timestamp_offset_s", 250}});
  EXPECT_EQ(ok.value("status", 0), 200);
  auto [code, out] = stack.patbot({"audit", "--format", "jsonl", "--limit", "100"});
  EXPECT_EQ(code, 0) << out;
  size_t rejected = 0;
  for (size_t pos = 0; (pos = out.find("\"request.rejected\"", pos)) != std::string::npos; ++pos) ++rejected;
  EXPECT_EQ(rejected, 5u);
  EXPECT_NE(stack.bot()->output().find("signature"), std::string::npos);
}

TEST(ServeE2e, HttpLimits) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  std::string big(70000, 'a');
  auto tooBig = stack.post(stack.botUrl + "/slack/commands", big, {{"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(tooBig.status, 413);
  std::string limit(65536, 'a');
  auto atLimit = stack.post(stack.botUrl + "/slack/commands", limit, {{"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(atLimit.status, 401);   // read in full, then refused for its missing signature
  EXPECT_EQ(stack.get(stack.botUrl + "/nope").status, 404);
  EXPECT_EQ(stack.get(stack.botUrl + "/slack/commands").status, 405);
  auto ssl = stack.post(stack.botUrl + "/slack/commands", "ssl_check=1&token=x",
                        {{"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(ssl.status, 200);
  EXPECT_TRUE(ssl.body.empty());
}

TEST(ServeE2e, AuditVerifyFindsAnAlteredRow) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  stack.slash("help");
  stack.slash("status", "U0ALICE001", {{"signature", "bad"}});
  stack.slash("help");
  auto [code, out] = stack.patbot({"audit", "verify"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("intact"), std::string::npos);
  // A tamperer with the sqlite3 CLI (waiting, like any sqlite3 user, for the running bot's write lock):
  // drop the append-only triggers, then rewrite row 2.
  std::string sql =
      "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type='trigger' AND tbl_name='audit';";
  auto [c1, drops] = runToCompletion("/usr/bin/sqlite3", {"-cmd", ".timeout 10000", stack.dbPath, sql}, {});
  ASSERT_EQ(c1, 0) << drops;
  auto [c2, o2] = runToCompletion("/usr/bin/sqlite3",
                                  {"-cmd", ".timeout 10000", stack.dbPath, drops + "UPDATE audit SET outcome='ok' WHERE id=2;"}, {});
  ASSERT_EQ(c2, 0) << o2;
  auto [bad, badOut] = stack.patbot({"audit", "verify"});
  EXPECT_EQ(bad, 1) << badOut;
  EXPECT_NE(badOut.find("row 2"), std::string::npos) << badOut;
}

TEST(ServeE2e, NoSecretInLogsAuditMessagesOrMetrics) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  auto sent = stack.slash("status --all");
  stack.messagesFor(sent["response_url"], 1);
  stack.slash("status", "U0ALICE001", {{"signature", "bad"}});
  stack.slash("nonsense \"x");
  auto [code, audit] = stack.patbot({"audit", "--format", "jsonl", "--limit", "1000"});
  ASSERT_EQ(code, 0);
  std::vector<std::pair<std::string, std::string>> places = {
      {"patbot log", stack.bot()->output()},
      {"audit", audit},
      {"slack messages", allSlackMessages(stack)},
      {"metrics", stack.get(stack.botUrl + "/metrics").body},
      {"gitlab calls", stack.get(stack.gitlabUrl + "/_fake/calls").body}};
  ASSERT_GT(stack.secrets().size(), 100u);
  for (const auto& [where, text] : places) {
    EXPECT_FALSE(text.empty()) << where;
    EXPECT_TRUE(noSecretIn(stack, text)) << "in " << where;
  }
}

TEST(ServeE2e, GitLabDownGivesAPlainSentenceAndNotReady) {
  StackOptions options;
  options.gitlabDown = true;
  E2eStack stack(options);
  ASSERT_TRUE(stackStarted(stack));
  auto sent = stack.slash("status");
  ASSERT_EQ(sent.value("status", 0), 200);
  auto text = stack.textFor(sent["response_url"]);
  EXPECT_NE(text.find("Could not list tokens"), std::string::npos) << text;
  EXPECT_NE(text.find("could not be reached"), std::string::npos) << text;
  auto ready = stack.get(stack.botUrl + "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("gitlab"), std::string::npos);
  EXPECT_EQ(stack.get(stack.botUrl + "/healthz").status, 200);
}

TEST(CliE2e, ServeWithoutConfigurationNamesEveryMissingVariable) {
  auto [code, out] = runToCompletion(buildDir() + "/bot/patbot", {"serve"}, {});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("SLACK_SIGNING_SECRET"), std::string::npos) << out;
  EXPECT_NE(out.find("GITLAB_URL"), std::string::npos) << out;
  EXPECT_NE(out.find("GITLAB_TOKEN"), std::string::npos) << out;
  auto [badCode, badOut] = runToCompletion(buildDir() + "/bot/patbot", {"scan", "--warn-days", "x"}, {});
  EXPECT_NE(badCode, 0);
  EXPECT_NE(badOut.find("patbot:"), std::string::npos) << badOut;
  auto [v, vOut] = runToCompletion(buildDir() + "/bot/patbot", {"--version"}, {});
  EXPECT_EQ(v, 0);
  EXPECT_NE(vOut.find("patbot "), std::string::npos);
}

TEST(CliE2e, ScanAndCheckConfigAgainstTheFake) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  auto [code, out] = stack.patbot({"scan", "--json"}, {{"PATBOT_LOG_LEVEL", "warn"}});
  EXPECT_EQ(code, 2) << out;   // the generated seed has expired tokens
  auto json = nlohmann::json::parse(out.substr(out.find('{')), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out;
  EXPECT_GT(json["tokens"].size(), 100u);
  auto [tcode, table] = stack.patbot({"scan"});
  EXPECT_EQ(tcode, 2);
  EXPECT_NE(table.find("days left"), std::string::npos);
  EXPECT_EQ(table.find("scanning:"), std::string::npos) << "piped: no progress line";
  // On a terminal (script(1) gives it a pty) the scan shows how far it got.
  auto env = stack.env();
  env["PATBOT_LOG_LEVEL"] = "warn";
  auto [pcode, onTty] = runToCompletion("/usr/bin/script", {"-qec", buildDir() + "/bot/patbot scan", "/dev/null"}, env);
  EXPECT_EQ(pcode, 2) << onTty;
  EXPECT_NE(onTty.find("scanning: 25/25 service accounts"), std::string::npos) << onTty;
  auto [ccode, check] = stack.patbot({"check-config"});
  EXPECT_EQ(ccode, 0) << check;
  EXPECT_NE(check.find("service accounts:  25 visible"), std::string::npos) << check;
}

// Issue 13: with GitLab's Admin Mode on, an administrator's token without the admin_mode scope gets
// a non-admin's 403; check-config names the missing scope instead of only blaming the token.
TEST(CliE2e, CheckConfigNamesTheAdminModeScopeWhenAdminModeIsOn) {
  E2eStack stack;
  ASSERT_TRUE(stackStarted(stack));
  nlohmann::json seed = stack.seed();
  seed["admin_mode"] = true;
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/reset", seed.dump()).status, 200);
  auto [code, out] = stack.patbot({"check-config"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("service accounts:  FAILED — GitLab refused the request (403 Forbidden)"), std::string::npos) << out;
  EXPECT_NE(out.find("admin mode:        the token lacks the admin_mode scope, which GitLab requires of an "
                     "administrator's token when Admin Mode is on: set GITLAB_TOKEN to a token that has it"),
            std::string::npos)
      << out;

  // The same token with the scope: the admin API answers and nothing is said about Admin Mode.
  const std::string botToken = stack.env()["GITLAB_TOKEN"];
  for (auto& t : seed["tokens"]) {
    if (t.value("value", "") == botToken) t["scopes"].push_back("admin_mode");
  }
  ASSERT_EQ(stack.post(stack.gitlabUrl + "/_fake/reset", seed.dump()).status, 200);
  auto [scopedCode, scoped] = stack.patbot({"check-config"});
  EXPECT_EQ(scopedCode, 0) << scoped;
  EXPECT_EQ(scoped.find("admin mode:"), std::string::npos) << scoped;
  EXPECT_NE(scoped.find("service accounts:  25 visible"), std::string::npos) << scoped;
}

TEST(CliE2e, DemoRunsToTheEnd) {
  auto [code, out] = runToCompletion(buildDir() + "/bot/patbot", {"demo"}, {}, std::chrono::seconds(60));
  EXPECT_EQ(code, 0) << out;
  // Issue 5: the table, the watcher's digest, the plan with its buttons, the steps turning ✓,
  // the announcement, /pat audit, then audit verify and the summary.
  for (const char* part : {"GitLab service-account tokens", "service account tokens need attention", "[ Rotate ]",
                           "[ Confirm rotation ]", "alice clicks [Confirm rotation]",
                           "✓ check the new token answers GitLab", ":white_check_mark: Rotated", "== Audit trail ==",
                           "audit chain intact", "What happened:"}) {
    EXPECT_NE(out.find(part), std::string::npos) << "missing: " << part << "\n" << out;
  }
  EXPECT_EQ(out.find("glpat-"), std::string::npos) << "a token value was printed";
}

}  // namespace
}  // namespace patbot::e2e
