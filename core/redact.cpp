#include "core/redact.h"

#include <array>
#include <cctype>

namespace patbot {
namespace {

constexpr std::array<std::string_view, 17> kPrefixes = {
    "glpat-", "gloas-", "gldt-", "glrt-", "glptt-", "glft-", "glimt-", "glagent-", "glsoat-",
    "glcbt-", "glffct-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-"};

bool tokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::string redactSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool matched = false;
    if (text[i] == 'g' || text[i] == 'x') {
      for (auto prefix : kPrefixes) {
        if (text.substr(i, prefix.size()) == prefix) {
          size_t end = i + prefix.size();
          while (end < text.size() && tokenChar(text[end])) ++end;
          if (end - i - prefix.size() >= 4) {
            out.append(prefix);
            out.append("[redacted]");
            i = end;
            matched = true;
          }
          break;
        }
      }
    }
    if (!matched) out.push_back(text[i++]);
  }
  return out;
}

}  // namespace patbot
