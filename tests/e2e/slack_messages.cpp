#include "tests/e2e/slack_messages.h"

#include <sstream>

#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

using nlohmann::json;

json messageList(E2eStack& stack) {
  auto all = json::parse(allSlackMessages(stack), nullptr, false);
  return all.is_array() ? all : json::array();
}

}  // namespace

std::string buttonValue(const std::string& messagesText, const std::string& actionId) {
  std::istringstream lines(messagesText);
  for (std::string line; std::getline(lines, line);) {
    auto m = json::parse(line, nullptr, false);
    if (!m.is_object()) continue;
    for (const auto& b : m.value("blocks", json::array())) {
      if (b.value("type", "") != "actions") continue;
      for (const auto& e : b["elements"]) {
        if (e.value("action_id", "") == actionId) return e.value("value", "");
      }
    }
  }
  return "";
}

std::string allSlackMessages(E2eStack& stack) { return stack.get(stack.slackUrl + "/_fake/messages").body; }

std::string waitForSlackMessageMentioning(E2eStack& stack, const std::string& needle,
                                          std::chrono::milliseconds timeout) {
  std::string messages;
  waitUntil([&] { return (messages = allSlackMessages(stack)).find(needle) != std::string::npos; }, timeout);
  return messages;
}

std::vector<json> channelMessages(E2eStack& stack, const std::string& channel) {
  std::vector<json> out;
  for (const auto& m : messageList(stack)) {
    if (m.value("channel", "") == channel) out.push_back(m);
  }
  return out;
}

int messagesMentioning(E2eStack& stack, const std::string& via, const std::string& needle) {
  int n = 0;
  for (const auto& m : messageList(stack)) {
    if (m.value("via", "") == via && m["message"].dump().find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace patbot::e2e
