// PATBOT_LOG_FORMAT=json: the real `patbot serve` between the fakes writes one JSON object per
// line (time, level, request_id, message), and token-shaped text that reaches a log line from
// outside (a policy value, a Slack user id) is redacted. PATBOT_LOG_FORMAT=text: a request path
// with %0A, %0D or %1B cannot forge a line or reach the terminal.
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/raw_client.h"

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

TEST(TextLogTest, RequestPathCannotForgeALine) {
  e2e::StackOptions options;
  options.extraEnv = {{"PATBOT_LOG_FORMAT", "text"}};
  e2e::E2eStack stack(options);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();

  // A head just over the 16 KiB limit is refused with 431 after its path is read, and the refusal
  // is logged with the (decoded) path.
  const std::string path = "/x%0A2030-01-01T00:00:00Z%20info%20%5Bforged%5D%20injected%0D%1B%5B31mred%E2%80%A8end";
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(16300, 'p') +
                              "\r\nConnection: close\r\n\r\n";
  auto reply = e2e::exchange(e2e::portOf(stack.botUrl), request, std::chrono::seconds(10));
  EXPECT_EQ(reply.status, 431) << reply.head;
  const std::string logged = "/x\\n2030-01-01T00:00:00Z info [forged] injected\\r\\x1b[31mred\\u2028end";
  ASSERT_TRUE(stack.bot()->waitFor(logged, std::chrono::seconds(10))) << stack.bot()->output();

  stack.bot()->terminate();
  const std::string output = stack.bot()->output();
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    EXPECT_NE(line.rfind("2030-01-01T00:00:00Z", 0), 0u) << "a forged line: " << line;
  }
  EXPECT_EQ(output.find('\x1b'), std::string::npos) << "an escape sequence reached the log";
  EXPECT_EQ(output.find('\r'), std::string::npos) << "a carriage return reached the log";
  EXPECT_EQ(output.find("\xE2\x80\xA8"), std::string::npos) << "a line separator reached the log";
}

}  // namespace
}  // namespace patbot
