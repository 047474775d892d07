// What the fake Slack of an E2eStack received (GET /_fake/messages), and the buttons in it.
// `messagesText` is the form E2eStack::waitForText() and textFor() return: one message JSON a line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {

// The value of the first button with this action id in the messages, "" if none.
std::string buttonValue(const std::string& messagesText, const std::string& actionId);

// Every message the fake Slack received, as the JSON text it lists them in.
std::string allSlackMessages(E2eStack& stack);
// Waits until some message mentions `needle`; returns allSlackMessages() (with or without it).
std::string waitForSlackMessageMentioning(E2eStack& stack, const std::string& needle, std::chrono::milliseconds timeout);
// Messages posted with chat.postMessage to `channel` so far.
std::vector<nlohmann::json> channelMessages(E2eStack& stack, const std::string& channel);
// How many messages sent through `via` ("chat.postMessage", "response_url") mention `needle`.
int messagesMentioning(E2eStack& stack, const std::string& via, const std::string& needle);

}  // namespace patbot::e2e
