#include "slack/message.h"

namespace patbot::slack {

nlohmann::json Message::toResponseJson() const {
  nlohmann::json body = nlohmann::json::object();
  body["response_type"] = ephemeral ? "ephemeral" : "in_channel";
  body["text"] = text;
  if (blocks.is_array() && !blocks.empty()) body["blocks"] = blocks;
  if (replaceOriginal) body["replace_original"] = true;
  return body;
}

}  // namespace patbot::slack
