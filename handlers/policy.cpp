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

const TokenPolicy* Policy::tokenFor(std::string_view account, std::string_view name) const {
  for (const auto& token : tokens) {
    if (token.account == account && token.name == name) return &token;
  }
  return nullptr;
}

}  // namespace patbot
