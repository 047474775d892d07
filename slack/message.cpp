#include "slack/message.h"

namespace patbot::slack {

nlohmann::json Message::toResponseJson() const {
  nlohmann::json body = nlohmann::json::object();
  body["response_type"] = ephemeral ? "ephemeral" : "in_channel";
  body["text"] = text;
  if (blocks.is_array() && !blocks.empty()) body["blocks"] = blocks;
  body["replace_original"] = replaceOriginal;
  body["delete_original"] = false;
  return body;
}

nlohmann::json Message::toAckJson() const {
  nlohmann::json body = toResponseJson();
  body.erase("replace_original");
  body.erase("delete_original");
  return body;
}

}  // namespace patbot::slack
