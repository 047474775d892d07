// JSON values in TEXT columns (rotation plans, step details, confirmation requests). Internal to
// storage/.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace patbot::storage {

// Compact text of `value` (null as "{}", invalid UTF-8 replaced) with anything shaped like a
// credential replaced by redactSecrets(), so a careless caller cannot store a token value.
std::string jsonColumnText(const nlohmann::json& value);

// Parses a column written by jsonColumnText; text that is not JSON comes back as a JSON string.
nlohmann::json parseJsonColumn(std::string_view text);

}  // namespace patbot::storage
