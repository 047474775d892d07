#include "tests/e2e/raw_bot.h"

namespace patbot::e2e {

std::optional<RawBot> RawBot::of(E2eStack& stack, const std::string& responsePath, std::string* why) {
  if (!stack.ready()) {
    if (why) *why = "stack did not start: " + stack.startupLog();
    return std::nullopt;
  }
  auto pid = findProcessByEnv("PATBOT_DB=" + stack.dbPath, "serve");
  if (!pid) {
    if (why) *why = "cannot find the patbot serve process";
    return std::nullopt;
  }
  RawBot bot;
  bot.port_ = portOf(stack.botUrl);
  bot.pid_ = *pid;
  bot.signingSecret_ = stack.env().at("SLACK_SIGNING_SECRET");
  bot.responseUrl_ = stack.slackUrl + responsePath;
  return bot;
}

RawReply RawBot::signedStatus(std::chrono::milliseconds timeout) const {
  std::string body = slashForm("status", "U0ALICE001", responseUrl_);
  return exchange(port_, slackRequest("/slack/commands", body, signingSecret_), timeout);
}

}  // namespace patbot::e2e
