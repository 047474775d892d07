// ASCII case folding for protocol text: URL schemes and hosts, HTTP header names.
#pragma once

#include <string>
#include <string_view>

namespace patbot {

// `text` with 'A'-'Z' turned into 'a'-'z' (std::tolower in the "C" locale, which patbot never
// changes); every other byte, UTF-8 included, is kept.
std::string lowerCase(std::string_view text);

}  // namespace patbot
