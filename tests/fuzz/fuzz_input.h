// Helpers shared by the fuzz targets: cutting one input into fields, and failing loudly when a
// property of the code under test does not hold. Nothing here prints the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace patbot::fuzz {

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first `count - 1` lines of `input` (without their '\n') and then the rest, unsplit.
// Fewer than `count` parts when the input has fewer newlines.
inline std::vector<std::string_view> splitLines(std::string_view input, size_t count) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < count) {
    size_t nl = input.find('\n');
    if (nl == std::string_view::npos) break;
    parts.push_back(input.substr(0, nl));
    input.remove_prefix(nl + 1);
  }
  parts.push_back(input);
  return parts;
}

// Aborts (libFuzzer records the input as a crash) when a property does not hold. `what` names
// the property; it must never contain input bytes that may be secret.
inline void check(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace patbot::fuzz
