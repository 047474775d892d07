// CommandRegistry: the table of /pat subcommands. One line registers a subcommand with its
// usage, summary, required role and whether it mutates GitLab:
//   registry.add("status", PatStatusHandler::kUsage, "List tokens and expiry", Role::kReader, false, handler);
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

class CommandRegistry {
 public:
  void add(std::string name, std::string usage, std::string summary, handlers::Role role, bool mutates,
           std::unique_ptr<handlers::Command> handler);
  const CommandSpec* find(const std::string& name) const;
  // Usage lines in registration order (what `help` prints; it holds a reference to this list).
  const std::vector<handlers::UsageLine>& usageLines() const { return usage_; }
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<CommandSpec>> specs_;
  std::vector<handlers::UsageLine> usage_;
};

}  // namespace patbot
