// Block Kit validation as the fake Slack applies it to chat.postMessage, chat.update and
// response_url bodies (limits from reference/slack-api.md §5). Pure function, thread-safe.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace patbot::fakes {

// nullopt when `blocks` is a valid message block list; otherwise a short reason naming the
// offending JSON pointer, e.g. "must be at most 3000 characters [json-pointer:/blocks/0/text/text]".
std::optional<std::string> validateBlocks(const nlohmann::json& blocks);

}  // namespace patbot::fakes
