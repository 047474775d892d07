#include "slack/block_kit.h"

#include <algorithm>

#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxActionId = 255;
constexpr std::size_t kMaxBlockId = 255;
constexpr std::size_t kMaxContextText = 3000;

json plainText(std::string_view text, std::size_t maxLength) {
  return json{{"type", "plain_text"}, {"text", utf8::clip(text, maxLength)}, {"emoji", true}};
}

json mrkdwnText(std::string_view text, std::size_t maxLength) {
  return json{{"type", "mrkdwn"}, {"text", text.empty() ? std::string(" ") : utf8::clip(text, maxLength)}};
}

}  // namespace

namespace {

// & < > as entities; a backtick as kBacktickStandIn unless keepBackticks.
std::string escapeEntities(std::string_view text, bool keepBackticks) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '`':
        if (keepBackticks) {
          out.push_back(c);
        } else {
          out += kBacktickStandIn;
        }
        break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string escapeMrkdwn(std::string_view text) { return escapeEntities(text, true); }

std::string escapeText(std::string_view text) { return escapeEntities(text, false); }

std::string codeSpan(std::string_view text) {
  std::string flat(text);
  std::replace_if(flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return "`" + escapeText(flat) + "`";
}

std::string codeBlock(std::string_view text) {
  return "```\n" + escapeText(text) + "\n```";
}

std::string link(std::string_view url, std::string_view label) {
  const bool web = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
  if (!web || !clean) return escapeText(label);
  std::string target;
  for (char c : url) {
    switch (c) {
      case '&': target += "&amp;"; break;
      case '<': target += "%3C"; break;
      case '>': target += "%3E"; break;
      case '|': target += "%7C"; break;
      default: target.push_back(c);
    }
  }
  return "<" + target + "|" + escapeText(label) + ">";
}

json header(std::string_view text) {
  return json{{"type", "header"}, {"text", plainText(text.empty() ? " " : text, kMaxHeaderText)}};
}

json section(std::string_view mrkdwn) {
  return json{{"type", "section"}, {"text", mrkdwnText(mrkdwn, kMaxSectionText)}};
}

json fields(const std::vector<std::string>& mrkdwnFields) {
  json list = json::array();
  for (std::size_t i = 0; i < mrkdwnFields.size() && i < kMaxFields; ++i) {
    list.push_back(mrkdwnText(mrkdwnFields[i], kMaxFieldText));
  }
  return json{{"type", "section"}, {"fields", std::move(list)}};
}

json context(const std::vector<std::string>& mrkdwnLines) {
  json elements = json::array();
  for (std::size_t i = 0; i < mrkdwnLines.size() && i < kMaxContextElements; ++i) {
    elements.push_back(mrkdwnText(mrkdwnLines[i], kMaxContextText));
  }
  return json{{"type", "context"}, {"elements", std::move(elements)}};
}

json divider() { return json{{"type", "divider"}}; }

json button(std::string_view text, std::string_view actionId, std::string_view value,
            std::string_view style) {
  json b{{"type", "button"},
         {"text", plainText(text, kMaxButtonText)},
         {"action_id", utf8::clip(actionId, kMaxActionId)}};
  if (!value.empty()) b["value"] = utf8::clip(value, kMaxButtonValue);
  if (style == "primary" || style == "danger") b["style"] = std::string(style);
  return b;
}

json confirmDialog(std::string_view title, std::string_view text, std::string_view confirmLabel,
                   std::string_view denyLabel, std::string_view style) {
  json d{{"title", plainText(title, 100)},
         {"text", plainText(text, 300)},
         {"confirm", plainText(confirmLabel, 30)},
         {"deny", plainText(denyLabel, 30)}};
  if (style == "primary" || style == "danger") d["style"] = std::string(style);
  return d;
}

json actions(const std::vector<json>& buttons, std::string_view blockId) {
  json elements = json::array();
  for (std::size_t i = 0; i < buttons.size() && i < kMaxActionsElements; ++i) {
    elements.push_back(buttons[i]);
  }
  json block{{"type", "actions"}, {"elements", std::move(elements)}};
  if (!blockId.empty()) block["block_id"] = utf8::clip(blockId, kMaxBlockId);
  return block;
}

Message textMessage(std::string text, bool ephemeral) {
  Message m;
  m.blocks = json::array({section(text)});
  m.text = std::move(text);
  m.ephemeral = ephemeral;
  return m;
}

Message errorReply(std::string_view lead, std::string_view sentence, bool ephemeral) {
  std::string text(lead);
  if (!text.empty() && !sentence.empty()) text += ' ';
  text += escapeText(sentence);
  return textMessage(std::move(text), ephemeral);
}

}  // namespace patbot::slack
