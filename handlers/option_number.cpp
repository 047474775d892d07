#include "handlers/option_number.h"

#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace patbot::handlers {

Result<int> numberAfterOption(const std::vector<std::string>& args, std::size_t& i, int min, int max,
                              std::string_view need, std::string_view rule) {
  const std::string& option = args[i];
  if (i + 1 >= args.size()) return Error::make(ErrorKind::kInvalidInput, fmt::format("{} needs {}", option, need));
  const std::string& text = args[++i];
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < min || n > max) {
    return Error::make(ErrorKind::kInvalidInput, fmt::format("{} takes {}, not \"{}\"", option, rule, text));
  }
  return n;
}

}  // namespace patbot::handlers
