// The published audit head through the real binaries (issue 13): `patbot serve` posts the head
// to the notification channel and logs it; `patbot audit verify --expect-head ID:HASH` accepts it
// while the trail holds it and refuses a truncated tail or a replaced file, which plain `audit
// verify` cannot tell; a malformed argument is a usage error (exit 2).
#include <algorithm>
#include <cctype>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {
namespace {

constexpr const char* kChannel = "C0OPS00001";

// "ID:HASH" from the newest head message in the channel; "" when there is none yet.
std::string publishedHead(E2eStack& stack) {
  auto all = nlohmann::json::parse(stack.get(stack.slackUrl + "/_fake/messages").body, nullptr, false);
  std::string found;
  if (!all.is_array()) return found;
  static const std::regex re("--expect-head ([0-9]+:[0-9a-f]{64})`");
  for (const auto& m : all) {
    if (m.value("channel", "") != kChannel) continue;
    const std::string text = m["message"].value("text", "");
    std::smatch match;
    if (text.rfind("Audit trail head: row ", 0) == 0 && std::regex_search(text, match, re)) found = match[1].str();
  }
  return found;
}

TEST(AuditHeadE2e, ServePublishesTheHeadAndVerifyChecksIt) {
  StackOptions o;
  o.accounts = 2;
  o.tokensPerAccount = 1;
  o.extraEnv = {{"PATBOT_NOTIFY_CHANNEL", kChannel}};
  E2eStack stack(o);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  // A trail with rows, then a start: the first publication is at start-up.
  for (int i = 0; i < 3; ++i) {
    auto help = stack.slash("help");
    ASSERT_EQ(help.value("status", 0), 200) << help.dump();
  }
  ASSERT_TRUE(stack.restartBot(false)) << stack.startupLog();
  std::string head;
  for (int i = 0; i < 200 && head.empty(); ++i) {
    head = publishedHead(stack);
    if (head.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(head.empty()) << stack.bot()->output();
  const std::string id = head.substr(0, head.find(':'));
  ASSERT_GE(std::stoll(id), 3) << head;
  EXPECT_NE(stack.bot()->output().find("Audit trail head: row " + id + ","), std::string::npos) << "not logged";

  auto [audit, rows] = stack.patbot({"audit", "--format", "jsonl", "--limit", "5"});
  ASSERT_EQ(audit, 0) << rows;
  EXPECT_NE(rows.find("\"action\":\"audit.head\""), std::string::npos) << rows;
  EXPECT_NE(rows.find("\"head_id\":" + id), std::string::npos) << rows;

  auto [ok, okOut] = stack.patbot({"audit", "verify", "--expect-head", head});
  EXPECT_EQ(ok, 0) << okOut;
  EXPECT_NE(okOut.find("row " + id + " has the expected hash"), std::string::npos) << okOut;

  // Upper-case hex is the same hash.
  std::string upper = head;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(stack.patbot({"audit", "verify", "--expect-head", upper}).first, 0);

  // A tamperer truncates the trail at the published row and resets the id sequence.
  stack.stopBot(false);
  std::string sql =
      "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type='trigger' AND tbl_name='audit';";
  auto [c1, drops] = runToCompletion("/usr/bin/sqlite3", {"-cmd", ".timeout 10000", stack.dbPath, sql}, {});
  ASSERT_EQ(c1, 0) << drops;
  const std::string kept = std::to_string(std::stoll(id) - 1);
  auto [c2, o2] = runToCompletion(
      "/usr/bin/sqlite3",
      {"-cmd", ".timeout 10000", stack.dbPath, drops + "DELETE FROM audit WHERE id > " + kept + "; UPDATE sqlite_sequence SET seq = " + kept +
                         " WHERE name = 'audit';"},
      {});
  ASSERT_EQ(c2, 0) << o2;
  auto [plain, plainOut] = stack.patbot({"audit", "verify"});
  EXPECT_EQ(plain, 0) << "the chain alone does not see a clean truncation: " << plainOut;
  auto [cut, cutOut] = stack.patbot({"audit", "verify", "--expect-head", head});
  EXPECT_EQ(cut, 1) << cutOut;
  EXPECT_NE(cutOut.find("audit trail does NOT hold the expected head: row " + id + " is missing (the trail ends at row " +
                        kept + ")"),
            std::string::npos)
      << cutOut;

  // Another file altogether.
  auto [fresh, freshOut] =
      stack.patbot({"audit", "verify", "--expect-head", head}, {{"PATBOT_DB", stack.dir() + "/other.db"}});
  EXPECT_EQ(fresh, 1) << freshOut;
  EXPECT_NE(freshOut.find("row " + id + " is missing (the trail is empty)"), std::string::npos) << freshOut;
}

TEST(AuditHeadE2e, AMalformedExpectedHeadIsAUsageError) {
  StackOptions o;
  o.accounts = 1;
  o.tokensPerAccount = 1;
  o.startBot = false;
  E2eStack stack(o);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  const std::string hex(64, 'a');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"12", "there is no colon"},
      {"x:" + hex, "the row id is not a positive whole number"},
      {"0:" + hex, "the row id is not a positive whole number"},
      {":" + hex, "the row id is not a positive whole number"},
      {"12:" + hex.substr(1), "the hash is not 64 hex digits"},
      {"12:" + hex.substr(1) + "g", "the hash is not 64 hex digits"},
      {"12:glpat-ShouldNotBeEchoed0123456789", "the hash is not 64 hex digits"},
  };
  for (const auto& [arg, why] : cases) {
    auto [code, out] = stack.patbot({"audit", "verify", "--expect-head", arg});
    EXPECT_EQ(code, 2) << arg << ": " << out;
    EXPECT_EQ(out.rfind("patbot: --expect-head must be ROW_ID:SHA256", 0), 0u) << out;
    EXPECT_NE(out.find(why), std::string::npos) << arg << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line: " << out;
    EXPECT_EQ(out.find("ShouldNotBeEchoed"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace patbot::e2e
