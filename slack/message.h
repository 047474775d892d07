// A Slack message as patbot sends it: fallback text plus Block Kit blocks.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace patbot::slack {

struct Message {
  std::string text;                                 // fallback / notification text, always set
  nlohmann::json blocks = nlohmann::json::array();  // Block Kit blocks (≤ 50)
  bool ephemeral = true;                            // response_type ephemeral vs in_channel
  bool replaceOriginal = false;                     // for interaction response_urls

  // The JSON body for an immediate ack or a response_url POST.
  nlohmann::json toResponseJson() const;
};

}  // namespace patbot::slack
