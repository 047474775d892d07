#include "slack/utf8.h"

namespace patbot::slack::utf8 {
namespace {

bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Slack's count for one sequence of `bytes` bytes: UTF-16 code units.
std::size_t unitsOf(std::size_t bytes) { return bytes == 4 ? 2 : 1; }
// One per sequence: code points.
std::size_t one(std::size_t) { return 1; }

using Weight = std::size_t (*)(std::size_t bytes);

// The sum of weight(n) over the sequences of `s` (n bytes each, sequenceLength()).
std::size_t weightOf(std::string_view s, Weight weight) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequenceLength(s, i);
    total += weight(n);
    i += n;
  }
  return total;
}

// `s` unchanged when weightOf(s) <= maxWeight, else its longest prefix of whole sequences that
// weighs at most maxWeight - 1, plus kEllipsis (which weighs 1 either way).
std::string clipTo(std::string_view s, std::size_t maxWeight, Weight weight) {
  if (weightOf(s, weight) <= maxWeight) return std::string(s);
  const std::size_t budget = maxWeight == 0 ? 0 : maxWeight - 1;
  std::size_t used = 0;
  std::size_t end = 0;
  while (end < s.size()) {
    const std::size_t n = sequenceLength(s, end);
    if (used + weight(n) > budget) break;
    used += weight(n);
    end += n;
  }
  std::string out(s.substr(0, end));
  out += kEllipsis;
  return out;
}

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

std::size_t codePoints(std::string_view s) { return weightOf(s, one); }

std::size_t slackLength(std::string_view s) { return weightOf(s, unitsOf); }

std::string clip(std::string_view s, std::size_t maxLength) { return clipTo(s, maxLength, unitsOf); }

std::string clipCodePoints(std::string_view s, std::size_t maxPoints) {
  return clipTo(s, maxPoints, one);
}

}  // namespace patbot::slack::utf8
