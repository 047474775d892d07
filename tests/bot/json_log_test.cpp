// PATBOT_LOG_FORMAT=json: the real `patbot serve` between the fakes writes one JSON object per
// line (time, level, request_id, message), and token-shaped text that reaches a log line from
// outside (a policy value, a Slack user id) is redacted.
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "tests/e2e/e2e_stack.h"

namespace patbot {
namespace {

// Token-shaped but not anyone's token; built at run time so no literal secret sits in the source.
std::string fakeToken(const std::string& prefix) { return prefix + std::string("JsonLogTest") + "0123456789abcdef"; }

TEST(JsonLogTest, ServeWritesOneJsonObjectPerLineAndRedactsTokens) {
  const std::string gitlabShaped = fakeToken("glpat-");
  const std::string slackShaped = fakeToken("xoxp-");

  e2e::StackOptions options;
  options.accounts = 2;
  options.tokensPerAccount = 2;
  // Reaches the log: "[watch] tracking_project "…" cannot be used" (no such project).
  options.policyToml = "[watch]\ntracking_project = \"" + gitlabShaped + "\"\n";
  options.extraEnv = {{"PATBOT_LOG_FORMAT", "json"}, {"PATBOT_LOG_LEVEL", "debug"}};
  e2e::E2eStack stack(options);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();

  // Reaches the log: "slash command from <user_id> in <channel>".
  auto answer = stack.slash("status", slackShaped);
  ASSERT_EQ(answer.value("status", 0), 200) << answer.dump();
  std::string responseUrl = answer.value("response_url", "");
  ASSERT_FALSE(responseUrl.empty()) << answer.dump();
  EXPECT_FALSE(stack.messagesFor(responseUrl, 1).empty()) << "the status reply never arrived";
  ASSERT_TRUE(stack.bot()->waitFor("tracking_project", std::chrono::seconds(30))) << stack.bot()->output();

  stack.bot()->terminate();
  const std::string output = stack.bot()->output();

  static const std::set<std::string> kLevels{"trace", "debug", "info", "warning", "error", "critical"};
  std::istringstream in(output);
  int parsed = 0;
  bool sawSlashLine = false, sawTrackingLine = false, sawStopped = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    ASSERT_TRUE(j.is_object()) << line;
    ASSERT_TRUE(j.contains("time") && j["time"].is_string()) << line;
    EXPECT_TRUE(parseTimestamp(j["time"].get<std::string>()).has_value()) << line;
    ASSERT_TRUE(j.contains("level") && j["level"].is_string()) << line;
    EXPECT_TRUE(kLevels.count(j["level"].get<std::string>())) << line;
    ASSERT_TRUE(j.contains("request_id") && j["request_id"].is_string()) << line;
    EXPECT_FALSE(j["request_id"].get<std::string>().empty()) << line;
    ASSERT_TRUE(j.contains("message") && j["message"].is_string()) << line;
    const std::string message = j["message"];
    if (message.find("slash command from") != std::string::npos) {
      sawSlashLine = true;
      EXPECT_NE(j["request_id"], "-") << "a request's log line carries its request id: " << line;
      EXPECT_NE(message.find("xoxp-[redacted]"), std::string::npos) << line;
    }
    if (message.find("tracking_project") != std::string::npos) {
      sawTrackingLine = true;
      EXPECT_NE(message.find("glpat-[redacted]"), std::string::npos) << line;
    }
    if (message == "stopped") sawStopped = true;
    ++parsed;
  }
  EXPECT_GE(parsed, 5) << output;
  EXPECT_TRUE(sawSlashLine) << output;
  EXPECT_TRUE(sawTrackingLine) << output;
  EXPECT_TRUE(sawStopped) << output;

  // No token value anywhere: neither the ones passed in nor the stack's own secrets.
  EXPECT_EQ(output.find(gitlabShaped), std::string::npos) << "a glpat- value reached the log";
  EXPECT_EQ(output.find(slackShaped), std::string::npos) << "an xoxp- value reached the log";
  for (const auto& secret : stack.secrets()) {
    EXPECT_EQ(output.find(secret), std::string::npos) << "a secret of the stack reached the log";
  }
}

}  // namespace
}  // namespace patbot
