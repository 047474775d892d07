// Text-format log lines: one event is one line, whatever the message holds (issue 13).
#include "bot/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace patbot {
namespace {

TEST(LogEscapeTest, ControlCharactersAreShownNotObeyed) {
  EXPECT_EQ(escapeLogText("GET /slack/commands"), "GET /slack/commands");
  EXPECT_EQ(escapeLogText("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(escapeLogText("a\\nb"), "a\\\\nb");   // a literal backslash-n stays distinguishable
  EXPECT_EQ(escapeLogText(std::string("\x1b[31m\x00\x7f", 7)), "\\x1b[31m\\x00\\x7f");
  EXPECT_EQ(escapeLogText("\xC2\x85|\xC2\x9B|\xE2\x80\xA8|\xE2\x80\xA9"), "\\u0085|\\u009b|\\u2028|\\u2029");
  EXPECT_EQ(escapeLogText("d\xC3\xA9j\xC3\xA0 \xE2\x9C\x85 \xC2\xA0"), "d\xC3\xA9j\xC3\xA0 \xE2\x9C\x85 \xC2\xA0");
  EXPECT_EQ(escapeLogText("\xC2"), "\xC2");   // a truncated sequence is left as it is
}

// The installed text formatter escapes; the JSON one leaves escaping to JSON.
TEST(LogEscapeTest, TextFormatterWritesOneLinePerEvent) {
  setupLogging("text", "info");
  auto logger = spdlog::default_logger();
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto saved = logger->sinks();
  logger->sinks() = {sink};
  setupLogging("text", "info");   // the formatter goes to the sinks present
  spdlog::warn("http: GET {} rejected", "/x\n2030-01-01T00:00:00Z info [-] forged\x1b[2J");
  setupLogging("json", "info");
  spdlog::warn("path {}", "/y\nz");
  logger->flush();
  logger->sinks() = saved;
  setupLogging("text", "info");

  const std::string out = captured.str();
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  EXPECT_NE(out.find("http: GET /x\\n2030-01-01T00:00:00Z info [-] forged\\x1b[2J rejected\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\"message\":\"path /y\\nz\""), std::string::npos) << out;
}

}  // namespace
}  // namespace patbot
