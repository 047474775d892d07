// A slash command request (reference/slack-api.md §1), parsed after signature verification.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace patbot::slack {

struct SlashCommand {
  std::string teamId;
  std::string channelId;
  std::string channelName;
  std::string userId;        // use this for authorisation, never userName
  std::string userName;
  std::string command;       // with the slash, e.g. "/pat"
  std::string text;          // form-decoded, &amp; &lt; &gt; decoded
  std::string responseUrl;   // a credential: never log it beyond its host
  std::string triggerId;
  std::string apiAppId;
  std::string enterpriseId;  // only on Enterprise Grid
};

// Error kInvalidInput when user_id or command is missing or empty. Unknown fields are ignored.
Result<SlashCommand> parseSlashCommand(std::string_view body);

// The same fields from the JSON object of a Socket Mode `slash_commands` envelope
// (reference/slack-socket-mode.md §2); non-string values count as absent.
Result<SlashCommand> parseSlashCommandJson(const nlohmann::json& payload);

}  // namespace patbot::slack
