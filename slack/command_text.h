// The text after "/pat": entity decoding and argument splitting (SPEC.md §4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace patbot::slack {

// Decodes the three entities Slack escapes in user text: &amp; &lt; &gt; (one pass, so
// "&amp;lt;" becomes "&lt;"). Everything else is kept.
std::string decodeEntities(std::string_view text);

// Decodes entities, then splits on ASCII whitespace and U+00A0. A part in double quotes (straight
// " or curly U+201C / U+201D, any of which closes an open quote) is one argument with the quotes
// removed and its spaces kept; a quote may start mid-word: inventory-bot/"A B" → `inventory-bot/A B`.
// `""` is an empty argument. Error kInvalidInput "unbalanced quote in: <text>" when a quote is
// left open.
Result<std::vector<std::string>> splitArguments(std::string_view text);

}  // namespace patbot::slack
