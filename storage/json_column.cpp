#include "storage/json_column.h"

#include "core/redact.h"
#include "storage/audit_hash.h"

namespace patbot::storage {

std::string jsonColumnText(const nlohmann::json& value) {
  if (value.is_null()) return "{}";
  return redactSecrets(auditDetailText(value));
}

nlohmann::json parseJsonColumn(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return std::string(text);
  return parsed;
}

}  // namespace patbot::storage
