// A Slack message as patbot sends it: fallback text plus Block Kit blocks.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace patbot::slack {

struct Message {
  std::string text;                                 // fallback / notification text, always set
  nlohmann::json blocks = nlohmann::json::array();  // Block Kit blocks (≤ 50)
  bool ephemeral = true;                            // response_type ephemeral vs in_channel
  // For a response_url: replace the message that carried the clicked button (true) or add a new
  // one (false). Ignored by chat.postMessage and in an immediate ack.
  bool replaceOriginal = false;

  // The JSON body of a response_url POST: replace_original and delete_original (always false:
  // patbot never deletes a message) are sent explicitly, so Slack applies no default of its own.
  nlohmann::json toResponseJson() const;
  // The JSON body of the immediate answer to a slash command (no replace/delete fields: they mean
  // nothing there).
  nlohmann::json toAckJson() const;
};

}  // namespace patbot::slack
