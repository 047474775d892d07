// How a person would read a Slack message, as plain terminal text (for `patbot demo` and the
// CLI). Deterministic; no colours or escape sequences.
#pragma once

#include <string>
#include <string_view>

#include "slack/message.h"

namespace patbot::slack {

// One line or paragraph per block, ending with "\n":
//   header  → "== title =="
//   section → text with light mrkdwn: *bold* → bold, <url|label> → "label (url)", <url> → url,
//             <@U1> → @U1, <#C1|ops> → #ops, <!here> → @here, entities decoded; ``` code blocks
//             printed as-is (entities decoded) without the fences; fields as two columns
//             "a   b"; a button accessory as "  [ label ]" after the text
//   context → each element on its own line, "  · text"
//   divider → a line of 40 "─"
//   actions → "[ Confirm ]  [ Cancel ]"
// A message without blocks renders its fallback text.
std::string renderForTerminal(const Message& message);

// The light mrkdwn-to-text conversion used for sections.
std::string mrkdwnToPlain(std::string_view mrkdwn);

}  // namespace patbot::slack
