#include "slack/slash_command.h"

#include "slack/command_text.h"
#include "slack/form_parser.h"

namespace patbot::slack {

Result<SlashCommand> parseSlashCommand(std::string_view body) {
  const FormFields fields = parseForm(body);
  SlashCommand c;
  c.teamId = formValue(fields, "team_id");
  c.channelId = formValue(fields, "channel_id");
  c.channelName = formValue(fields, "channel_name");
  c.userId = formValue(fields, "user_id");
  c.userName = formValue(fields, "user_name");
  c.command = formValue(fields, "command");
  c.text = decodeEntities(formValue(fields, "text"));
  c.responseUrl = formValue(fields, "response_url");
  c.triggerId = formValue(fields, "trigger_id");
  c.apiAppId = formValue(fields, "api_app_id");
  c.enterpriseId = formValue(fields, "enterprise_id");
  if (c.userId.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "the slash command has no user_id");
  }
  if (c.command.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "the slash command has no command");
  }
  return c;
}

}  // namespace patbot::slack
