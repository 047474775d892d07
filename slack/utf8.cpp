#include "slack/utf8.h"

namespace patbot::slack::utf8 {
namespace {

bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::size_t unitsOf(std::size_t bytes) { return bytes == 4 ? 2 : 1; }

}  // namespace

std::size_t sequenceLength(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  }
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if (!isContinuation(static_cast<unsigned char>(s[i + k]))) return 1;
  }
  return n;
}

std::size_t codePoints(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); i += sequenceLength(s, i)) ++count;
  return count;
}

std::size_t slackLength(std::string_view s) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequenceLength(s, i);
    units += unitsOf(n);
    i += n;
  }
  return units;
}

std::string clip(std::string_view s, std::size_t maxLength) {
  if (slackLength(s) <= maxLength) return std::string(s);
  const std::size_t budget = maxLength == 0 ? 0 : maxLength - 1;
  std::size_t units = 0;
  std::size_t end = 0;
  while (end < s.size()) {
    const std::size_t n = sequenceLength(s, end);
    if (units + unitsOf(n) > budget) break;
    units += unitsOf(n);
    end += n;
  }
  std::string out(s.substr(0, end));
  out += kEllipsis;
  return out;
}

std::string clipCodePoints(std::string_view s, std::size_t maxPoints) {
  if (codePoints(s) <= maxPoints) return std::string(s);
  const std::size_t keep = maxPoints == 0 ? 0 : maxPoints - 1;
  std::size_t end = 0;
  for (std::size_t k = 0; k < keep && end < s.size(); ++k) end += sequenceLength(s, end);
  std::string out(s.substr(0, end));
  out += kEllipsis;
  return out;
}

}  // namespace patbot::slack::utf8
