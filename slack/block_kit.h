// Block Kit builders that respect Slack's limits (reference/slack-api.md §5): text that is too
// long is clipped with "…" (lengths counted as Slack does, see slack/utf8.h), lists that are too
// long are cut. Builders never fail. mrkdwn arguments are used as given: escape user or GitLab
// text with escapeMrkdwn first.
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

// & < > → &amp; &lt; &gt; (what Slack requires of text that is not markup).
std::string escapeMrkdwn(std::string_view text);

// "```\n" + escapeMrkdwn(text) + "\n```": a monospace block shown verbatim.
std::string codeBlock(std::string_view text);

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

// A fixed-width table for tableMessages. Cells are plain text (escaped by tableMessages).
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
