#include "handlers/consumer_holdings.h"

#include <fmt/format.h>

#include "handlers/rotation_run.h"
#include "storage/audit_hash.h"

namespace patbot::handlers {

ConsumerHoldings inspectConsumers(gitlab::GitLabApi& gitlab, const std::vector<gitlab::VariableRef>& consumers,
                                  const std::string& valueSha256) {
  ConsumerHoldings out;
  for (const auto& c : consumers) {
    std::string label = variableLabel(c);
    if (valueSha256.empty()) {
      out.unknown.push_back(label + ": the new value's digest was not journaled");
      continue;
    }
    auto current = gitlab.getVariable(c);
    if (!current) {
      out.unknown.push_back(fmt::format("{}: {}", label, current.error().message));
      continue;
    }
    if (!current->value) {
      out.unknown.push_back(label + ": GitLab does not return the value of a hidden variable");
      continue;
    }
    if (storage::sha256Hex(current->value->reveal()) == valueSha256) {
      out.holding.push_back(label);
      if (!out.value) out.value = current->value->clone();
    } else {
      out.notHolding.push_back(label);
    }
    out.values.emplace(label, std::move(*current->value));
  }
  return out;
}

}  // namespace patbot::handlers
