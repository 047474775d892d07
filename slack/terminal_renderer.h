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
//             <@U1> → @U1, <#C1|ops> → #ops, <!here> → @here, entities decoded and the backtick
//             stand-in "ˋ" shown as "`" (slack/block_kit.h); ``` code blocks printed as-is
//             (decoded the same way) without the fences; fields as two columns
//             "a   b"; a button accessory as "  [ label ]" after the text
//   context → each element on its own line, "  · text"
//   divider → a line of 40 "─"
//   actions → "[ Confirm ]  [ Cancel ]"
// A message without blocks renders its fallback text. Control characters other than LF and tab
// (C0, DEL, C1) come out as U+FFFD.
std::string renderForTerminal(const Message& message);

// The light mrkdwn-to-text conversion used for sections.
std::string mrkdwnToPlain(std::string_view mrkdwn);

// `text` with C0 control characters other than LF and tab, DEL and C1 control characters replaced
// by U+FFFD, so that text from outside cannot drive the terminal (escape sequences, CR overwrite).
std::string neutralizeControls(std::string_view text);

}  // namespace patbot::slack
