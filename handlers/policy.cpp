#include "handlers/policy.h"

#include <algorithm>

namespace patbot {
namespace {

bool lists(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool AccessPolicy::isOperator(std::string_view userId) const {
  return lists(operators, userId) || lists(operators, "*");
}

bool AccessPolicy::isReader(std::string_view userId) const {
  return isOperator(userId) || lists(readers, "*") || lists(readers, userId);
}

bool AccessPolicy::allowsChannel(std::string_view channelId) const {
  return channels.empty() || lists(channels, channelId);
}

const char* strategyName(RotationStrategy strategy) {
  return strategy == RotationStrategy::kRotate ? "rotate" : "replace";
}

std::optional<RotationStrategy> parseStrategy(std::string_view text) {
  if (text == "rotate") return RotationStrategy::kRotate;
  if (text == "replace") return RotationStrategy::kReplace;
  return std::nullopt;
}

const TokenPolicy* Policy::tokenFor(TokenKind kind, std::string_view owner, std::string_view name) const {
  for (const auto& token : tokens) {
    if (token.kind == kind && token.account == owner && token.name == name) return &token;
  }
  return nullptr;
}

RotationStrategy Policy::strategyFor(TokenKind kind, std::string_view owner, std::string_view name) const {
  if (const TokenPolicy* entry = tokenFor(kind, owner, name); entry && entry->strategy) return *entry->strategy;
  return kind == TokenKind::kPersonal ? RotationStrategy::kReplace : RotationStrategy::kRotate;
}

std::vector<WatchedResource> Policy::watchedResources() const {
  std::vector<WatchedResource> out;
  auto add = [&](TokenKind kind, const std::string& path) {
    for (const auto& r : out) {
      if (r.kind == kind && r.path == path) return;
    }
    out.push_back({kind, path});
  };
  for (const auto& t : tokens) {
    if (t.kind != TokenKind::kPersonal) add(t.kind, t.account);
  }
  for (const auto& p : watch.projects) add(TokenKind::kProject, p);
  for (const auto& g : watch.groups) add(TokenKind::kGroup, g);
  return out;
}

}  // namespace patbot
