// Block Kit builders that respect Slack's limits (reference/slack-api.md §5): text that is too
// long is clipped with "…" (lengths counted as Slack does, see slack/utf8.h), lists that are too
// long are cut. Builders never fail. mrkdwn arguments are used as given.
//
// Text from GitLab or a user (names, descriptions, paths, anything echoed) enters mrkdwn — in
// blocks and in a message's `text` fallback alike — only through escapeText, codeSpan, codeBlock,
// link or Table cells, and patbot's own sentences that quote such text (error messages) through
// escapeMrkdwn. Slack has no escape for a backtick: inside a code span or block it ends the code,
// in prose it starts one. So every backtick from outside is shown as "ˋ" (U+02CB MODIFIER LETTER
// GRAVE ACCENT); the terminal renderer turns it back into "`" (slack/terminal_renderer.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slack/message.h"

namespace patbot::slack {

inline constexpr std::size_t kMaxBlocksPerMessage = 50;
inline constexpr std::size_t kMaxHeaderText = 150;
inline constexpr std::size_t kMaxSectionText = 3000;
inline constexpr std::size_t kMaxFields = 10;
inline constexpr std::size_t kMaxFieldText = 2000;
inline constexpr std::size_t kMaxContextElements = 10;
inline constexpr std::size_t kMaxActionsElements = 25;
inline constexpr std::size_t kMaxButtonText = 75;
inline constexpr std::size_t kMaxButtonValue = 2000;
// Slack rejects messages whose blocks are large in total well below 50 × 3000 characters
// (msg_blocks_too_long at about 13,000, bolt-js#2509): tableMessages keeps under this.
inline constexpr std::size_t kMaxMessageChars = 12000;

// & < > → &amp; &lt; &gt; (what Slack requires of text that is not markup). Backticks, *, _ and ~
// are kept: for patbot's own sentences, which may carry `code`, e.g. an error message.
std::string escapeMrkdwn(std::string_view text);

// The backtick stand-in, U+02CB.
inline constexpr std::string_view kBacktickStandIn = "\xCB\x8B";

// escapeMrkdwn, and every "`" becomes kBacktickStandIn: text from outside, in prose or a fallback.
// No link, mention (<!channel>), entity or code span can come out of it.
std::string escapeText(std::string_view text);

// "`" + escapeText(text) + "`" with CR, LF and tab shown as spaces: a name or other value from
// outside, shown verbatim in monospace and always closed on the same line.
std::string codeSpan(std::string_view text);

// "```\n" + escapeText(text) + "\n```": a monospace block shown verbatim.
std::string codeBlock(std::string_view text);

// <url|label> with escapeText(label); `url` (from GitLab) must be http(s) without spaces or control
// characters, else only escapeText(label) is returned. In the url "&" becomes "&amp;" and "<", ">"
// and "|" are percent-encoded, so the url can end neither the link nor the target.
std::string link(std::string_view url, std::string_view label);

nlohmann::json header(std::string_view plainText);                  // ≤ 150
nlohmann::json section(std::string_view mrkdwn);                     // ≤ 3000; "" becomes " "
nlohmann::json fields(const std::vector<std::string>& mrkdwnFields);  // ≤ 10 × 2000, two columns
nlohmann::json context(const std::vector<std::string>& mrkdwnLines);  // ≤ 10 elements
nlohmann::json divider();
// style is "", "primary" or "danger" (anything else is treated as ""). An empty value is
// omitted.
nlohmann::json button(std::string_view text, std::string_view actionId, std::string_view value,
                      std::string_view style = "");
// A confirmation dialog to put in a button's "confirm" member (title ≤ 100, text ≤ 300,
// labels ≤ 30).
nlohmann::json confirmDialog(std::string_view title, std::string_view text,
                             std::string_view confirmLabel, std::string_view denyLabel,
                             std::string_view style = "danger");
nlohmann::json actions(const std::vector<nlohmann::json>& buttons,
                       std::string_view blockId = "");              // ≤ 25 elements

// A message with one section holding `text` (mrkdwn) and the same text as fallback.
Message textMessage(std::string text, bool ephemeral = true);

// textMessage(lead + " " + escapeText(sentence)): a reply that quotes a sentence from elsewhere (an
// Error's message, a rotation summary), which may echo names. `lead` is patbot's mrkdwn, e.g.
// ":x: Could not list tokens:". Backticks of the sentence are shown as the stand-in too.
Message errorReply(std::string_view lead, std::string_view sentence, bool ephemeral = true);

// A fixed-width table for tableMessages. Cells are plain text (escaped by tableMessages as
// codeBlock escapes: backticks shown as kBacktickStandIn).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> maxWidths;  // optional per-column clip in code points, 0 = none
};

// The table as one or more messages: columns padded to their widest cell in code points,
// cells clipped with "…" to maxWidths, newlines in cells shown as spaces, every line at most
// ~990 characters. Each code-block section repeats the header line and separator and is at
// most 3000 characters including the backticks. Each message has at most 50 blocks and at most
// maxMessageChars characters of block text (a message never starts empty because of it). The
// first message starts with header(title) and a section with `summary` (mrkdwn, omitted when
// empty); every message's fallback text is `summary` (or `title` when summary is empty), with
// " (part i of n)" from the second on; footer lines (mrkdwn) go in context blocks of at most 10
// at the end of the last message. Every row appears exactly once.
std::vector<Message> tableMessages(const std::string& title, const std::string& summary,
                                   const Table& table, const std::vector<std::string>& footer,
                                   bool ephemeral, std::size_t maxMessageChars = kMaxMessageChars);

}  // namespace patbot::slack
