#include "handlers/pat_help_handler.h"

#include <fmt/format.h>

#include "slack/block_kit.h"

namespace patbot::handlers {

slack::Message helpMessage(const std::string& command, const std::vector<UsageLine>& lines) {
  std::string body;
  for (const auto& l : lines) {
    body += fmt::format("`{} {}`{}\n    {}\n", command, l.usage,
                        l.role == Role::kOperator ? " _(operators)_" : "", l.summary);
  }
  slack::Message m;
  m.text = fmt::format("{} — GitLab service-account tokens: usage", command);
  m.blocks.push_back(slack::header("patbot: GitLab service-account tokens"));
  m.blocks.push_back(slack::section(body));
  m.blocks.push_back(slack::context(
      {"TOKEN is a token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME; quote names with spaces: "
       "inventory-bot/\"Deploy token\""}));
  return m;
}

Result<Prepared> PatHelpHandler::prepare(const CommandRequest& request) {
  if (!request.args.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "help takes no arguments");
  }
  Prepared p;
  p.ack = helpMessage("/pat", lines_);
  return p;
}

}  // namespace patbot::handlers
