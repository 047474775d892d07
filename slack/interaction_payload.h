// An interactivity request (button click): the form field `payload` holding JSON
// (reference/slack-api.md §6), parsed after signature verification.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace patbot::slack {

struct BlockAction {
  std::string actionId;
  std::string blockId;
  std::string value;
  std::string actionTs;
};

struct InteractionPayload {
  std::string type;                // "block_actions", ...
  std::string userId;              // the clicker: re-authorise this user
  std::string userName;
  std::string teamId;
  std::string channelId;
  std::string triggerId;
  std::string responseUrl;         // a credential: never log it beyond its host
  std::string containerMessageTs;  // with actions[i].actionTs: the dedupe key
  bool containerIsEphemeral = false;
  std::vector<BlockAction> actions;
};

// Error kInvalidInput when the body has no `payload` field, the payload is not a JSON object,
// or it has no `type`. Missing optional fields stay empty. Never throws.
Result<InteractionPayload> parseInteraction(std::string_view formBody);

// The same from the payload's JSON itself, as Socket Mode's `interactive` envelope carries it
// (reference/slack-socket-mode.md §2). Same errors, less the missing form field.
Result<InteractionPayload> parseInteractionJson(const nlohmann::json& payload);

}  // namespace patbot::slack
