// CommandRegistry: the table of /pat subcommands and of patbot's buttons. One line registers a
// subcommand with its usage, summary, required role and whether it mutates GitLab:
//   registry.add("status", PatStatusHandler::kUsage, "List tokens and expiry", Role::kReader, false, handler);
// and one a button, by its action id, with the role a clicker needs:
//   registry.addAction(kConfirmAction, Role::kOperator, true, confirm);
// What `mutates` means is enforced by the dispatcher (CommandService): a mutating command runs
// its change only with --yes (CommandRequest::confirmed), else it may only ask; every mutating
// request — a confirmed command or a mutating button — runs once per Slack trigger_id / click.
// Not thread-safe for add(); lookups after start-up are read-only and safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "handlers/command.h"
#include "handlers/pat_help_handler.h"

namespace patbot {

struct CommandSpec {
  std::string name;
  std::string usage;
  std::string summary;
  handlers::Role role = handlers::Role::kReader;
  bool mutates = false;
  std::unique_ptr<handlers::Command> handler;
};

struct ActionSpec {
  std::string actionId;
  handlers::Role role = handlers::Role::kOperator;
  bool mutates = false;
  std::shared_ptr<handlers::Action> handler;   // one handler may serve several action ids
};

class CommandRegistry {
 public:
  void add(std::string name, std::string usage, std::string summary, handlers::Role role, bool mutates,
           std::unique_ptr<handlers::Command> handler);
  const CommandSpec* find(const std::string& name) const;
  void addAction(std::string actionId, handlers::Role role, bool mutates, std::shared_ptr<handlers::Action> handler);
  const ActionSpec* findAction(const std::string& actionId) const;
  // Usage lines in registration order (what `help` prints; it holds a reference to this list).
  const std::vector<handlers::UsageLine>& usageLines() const { return usage_; }
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<CommandSpec>> specs_;
  std::vector<std::unique_ptr<ActionSpec>> actions_;
  std::vector<handlers::UsageLine> usage_;
};

}  // namespace patbot
