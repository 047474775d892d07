// The number that follows an option of a `/pat` command (--limit N, --expires-in DAYS).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace patbot::handlers {

// The whole number after the option args[i], from `min` to `max`; moves `i` onto it. Error
// kInvalidInput `<option> needs <need>` when nothing follows the option, `<option> takes <rule>,
// not "<text>"` when what follows is not such a number (signs, spaces and trailing text included).
Result<int> numberAfterOption(const std::vector<std::string>& args, std::size_t& i, int min, int max,
                              std::string_view need, std::string_view rule);

}  // namespace patbot::handlers
