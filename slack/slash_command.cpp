#include "slack/slash_command.h"

#include <functional>

#include <nlohmann/json.hpp>

#include "slack/command_text.h"
#include "slack/form_parser.h"

namespace patbot::slack {
namespace {

// The one reading of a slash command's fields, whatever carries them (a form body over HTTP, a
// JSON object in a Socket Mode envelope): `field(name)` is the value, "" when absent.
Result<SlashCommand> fromFields(const std::function<std::string(const char*)>& field) {
  SlashCommand c;
  c.teamId = field("team_id");
  c.channelId = field("channel_id");
  c.channelName = field("channel_name");
  c.userId = field("user_id");
  c.userName = field("user_name");
  c.command = field("command");
  c.text = decodeEntities(field("text"));
  c.responseUrl = field("response_url");
  c.triggerId = field("trigger_id");
  c.apiAppId = field("api_app_id");
  c.enterpriseId = field("enterprise_id");
  if (c.userId.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "the slash command has no user_id");
  }
  if (c.command.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "the slash command has no command");
  }
  return c;
}

}  // namespace

Result<SlashCommand> parseSlashCommand(std::string_view body) {
  const FormFields fields = parseForm(body);
  return fromFields([&](const char* name) { return formValue(fields, name); });
}

Result<SlashCommand> parseSlashCommandJson(const nlohmann::json& payload) {
  if (!payload.is_object()) {
    return Error::make(ErrorKind::kInvalidInput, "the slash command payload is not a JSON object");
  }
  return fromFields([&](const char* name) {
    auto it = payload.find(name);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
  });
}

}  // namespace patbot::slack
