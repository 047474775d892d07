#include "bot/command_registry.h"

namespace patbot {

void CommandRegistry::add(std::string name, std::string usage, std::string summary, handlers::Role role,
                          bool mutates, std::unique_ptr<handlers::Command> handler) {
  usage_.push_back(handlers::UsageLine{usage, summary, role});
  auto spec = std::make_unique<CommandSpec>();
  spec->name = std::move(name);
  spec->usage = std::move(usage);
  spec->summary = std::move(summary);
  spec->role = role;
  spec->mutates = mutates;
  spec->handler = std::move(handler);
  specs_.push_back(std::move(spec));
}

const CommandSpec* CommandRegistry::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s->name == name) return s.get();
  }
  return nullptr;
}

void CommandRegistry::addAction(std::string actionId, handlers::Role role, bool mutates,
                                std::shared_ptr<handlers::Action> handler) {
  auto spec = std::make_unique<ActionSpec>();
  spec->actionId = std::move(actionId);
  spec->role = role;
  spec->mutates = mutates;
  spec->handler = std::move(handler);
  actions_.push_back(std::move(spec));
}

const ActionSpec* CommandRegistry::findAction(const std::string& actionId) const {
  for (const auto& a : actions_) {
    if (a->actionId == actionId) return a.get();
  }
  return nullptr;
}

std::vector<std::string> CommandRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& s : specs_) out.push_back(s->name);
  return out;
}

}  // namespace patbot
