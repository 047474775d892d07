// `/pat help` (and an empty `/pat`): the usage of every registered subcommand.
#pragma once

#include <string>
#include <vector>

#include "handlers/command.h"

namespace patbot::handlers {

struct UsageLine {
  std::string usage;     // "status [QUERY] [--expiring DAYS] [--all]"
  std::string summary;   // one sentence
  Role role = Role::kReader;
};

// The help message; `command` is the slash command as typed ("/pat").
slack::Message helpMessage(const std::string& command, const std::vector<UsageLine>& lines);

class PatHelpHandler final : public Command {
 public:
  // `lines` is read at prepare() time, so subcommands registered later are listed too.
  explicit PatHelpHandler(const std::vector<UsageLine>& lines) : lines_(lines) {}
  Result<Prepared> prepare(const CommandRequest& request) override;

 private:
  const std::vector<UsageLine>& lines_;
};

}  // namespace patbot::handlers
