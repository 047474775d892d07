// UTF-8 helpers for Slack text limits. Invalid bytes count as one code point each and are
// never split or dropped. Slack's limits are treated as UTF-16 code units (a code point outside
// the BMP counts 2), which is never less than the code-point count.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace patbot::slack::utf8 {

// Byte length of the code point starting at s[i] (1 for an invalid or truncated sequence).
std::size_t sequenceLength(std::string_view s, std::size_t i);

std::size_t codePoints(std::string_view s);

// Length as Slack counts it (UTF-16 code units).
std::size_t slackLength(std::string_view s);

// s unchanged when slackLength(s) <= maxLength, else the longest prefix that fits with "…"
// appended (maxLength >= 1).
std::string clip(std::string_view s, std::size_t maxLength);

// s unchanged when it has at most maxPoints code points, else a prefix plus "…" of exactly
// maxPoints code points (maxPoints >= 1).
std::string clipCodePoints(std::string_view s, std::size_t maxPoints);

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

}  // namespace patbot::slack::utf8
