#include "slack/terminal_renderer.h"

#include <algorithm>
#include <vector>

#include "slack/block_kit.h"
#include "slack/command_text.h"
#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

constexpr std::string_view kFence = "```";
constexpr std::size_t kDividerWidth = 40;

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\t'; }

// Drops the asterisks of *bold* spans (opening after a non-word character, closing before one).
std::string stripBold(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '*' && (i == 0 || !isWordChar(s[i - 1])) && i + 1 < s.size() && !isSpace(s[i + 1])) {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '*' && s[j] != '\n') ++j;
      if (j < s.size() && s[j] == '*' && j > i + 1 && !isSpace(s[j - 1]) &&
          (j + 1 == s.size() || !isWordChar(s[j + 1]))) {
        out.append(s.substr(i + 1, j - i - 1));
        i = j;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string renderLink(std::string_view inside) {
  const std::size_t bar = inside.find('|');
  const std::string_view target = inside.substr(0, bar);
  const std::string_view label = bar == std::string_view::npos ? std::string_view() : inside.substr(bar + 1);
  if (!target.empty() && (target[0] == '@' || target[0] == '#')) {
    return std::string(1, target[0]) + std::string(label.empty() ? target.substr(1) : label);
  }
  if (!target.empty() && target[0] == '!') {
    const std::string_view name = target.substr(1, target.find('^') - 1);
    return "@" + std::string(label.empty() ? name : label);
  }
  if (label.empty()) return std::string(target);
  return std::string(label) + " (" + std::string(target) + ")";
}

// decodeEntities, and the backtick stand-in of escapeText back to "`".
std::string decodeEscapes(std::string_view s) {
  std::string out = decodeEntities(s);
  for (std::size_t at = out.find(kBacktickStandIn); at != std::string::npos; at = out.find(kBacktickStandIn, at + 1)) {
    out.replace(at, kBacktickStandIn.size(), "`");
  }
  return out;
}


// Prose outside code blocks: links, then bold, then entities.
std::string renderProse(std::string_view s) {
  std::string linked;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      const std::size_t close = s.find('>', i + 1);
      if (close != std::string_view::npos && s.substr(i + 1, close - i - 1).find('\n') == std::string_view::npos) {
        linked += renderLink(s.substr(i + 1, close - i - 1));
        i = close;
        continue;
      }
    }
    linked.push_back(s[i]);
  }
  return decodeEscapes(stripBold(linked));
}

std::string renderCode(std::string_view s) {
  if (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return decodeEscapes(s);
}

std::string textOf(const json& textObject) {
  if (!textObject.is_object()) return {};
  auto it = textObject.find("text");
  if (it == textObject.end() || !it->is_string()) return {};
  const std::string& t = it->get_ref<const std::string&>();
  auto type = textObject.find("type");
  if (type != textObject.end() && type->is_string() && *type == "plain_text") return t;
  return mrkdwnToPlain(t);
}

std::string buttonLabel(const json& element) {
  return "[ " + textOf(element.is_object() ? element.value("text", json()) : json()) + " ]";
}

void appendLines(std::string& out, std::string_view text, std::string_view prefix = "") {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.append(prefix).append(text.substr(start, end - start)).push_back('\n');
    start = end + 1;
  }
}

std::string renderFields(const json& list) {
  std::vector<std::string> cells;
  for (const json& f : list) cells.push_back(textOf(f));
  std::size_t leftWidth = 0;
  for (std::size_t i = 0; i < cells.size(); i += 2) leftWidth = std::max(leftWidth, utf8::codePoints(cells[i]));
  std::string out;
  for (std::size_t i = 0; i < cells.size(); i += 2) {
    std::string line = cells[i];
    if (i + 1 < cells.size()) {
      line.append(leftWidth - utf8::codePoints(cells[i]) + 3, ' ');
      line += cells[i + 1];
    }
    out += line + "\n";
  }
  return out;
}

std::string renderBlock(const json& block) {
  if (!block.is_object()) return {};
  const std::string type = block.value("type", std::string());
  std::string out;
  if (type == "header") {
    out = "== " + textOf(block.value("text", json())) + " ==\n";
  } else if (type == "section") {
    if (block.contains("text")) appendLines(out, textOf(block["text"]));
    if (block.contains("fields") && block["fields"].is_array()) out += renderFields(block["fields"]);
    if (block.contains("accessory") && block["accessory"].is_object()) {
      if (!out.empty() && out.back() == '\n') out.pop_back();
      out += "  " + buttonLabel(block["accessory"]) + "\n";
    }
  } else if (type == "context") {
    for (const json& e : block.value("elements", json::array())) {
      if (e.is_object() && e.contains("text")) appendLines(out, textOf(e), "  \xC2\xB7 ");
    }
  } else if (type == "divider") {
    for (std::size_t i = 0; i < kDividerWidth; ++i) out += "\xE2\x94\x80";
    out += "\n";
  } else if (type == "actions") {
    std::string line;
    for (const json& e : block.value("elements", json::array())) {
      if (!line.empty()) line += "  ";
      line += buttonLabel(e);
    }
    out = line + "\n";
  } else if (block.contains("text")) {
    appendLines(out, textOf(block["text"]));
  }
  return out;
}

}  // namespace

std::string neutralizeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out += "\xEF\xBF\xBD";
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string mrkdwnToPlain(std::string_view mrkdwn) {
  std::string out;
  std::size_t pos = 0;
  while (pos < mrkdwn.size()) {
    const std::size_t open = mrkdwn.find(kFence, pos);
    const std::size_t close = open == std::string_view::npos ? open : mrkdwn.find(kFence, open + kFence.size());
    if (close == std::string_view::npos) {
      out += renderProse(mrkdwn.substr(pos));
      break;
    }
    out += renderProse(mrkdwn.substr(pos, open - pos));
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    out += renderCode(mrkdwn.substr(open + kFence.size(), close - open - kFence.size()));
    pos = close + kFence.size();
    if (pos < mrkdwn.size() && mrkdwn[pos] != '\n') out.push_back('\n');
  }
  return out;
}

std::string renderForTerminal(const Message& message) {
  if (!message.blocks.is_array() || message.blocks.empty()) {
    std::string out;
    appendLines(out, mrkdwnToPlain(message.text));
    return neutralizeControls(out);
  }
  std::string out;
  for (const json& block : message.blocks) {
    try {
      out += renderBlock(block);
    } catch (const json::exception&) {
      out += "(unreadable block)\n";
    }
  }
  return neutralizeControls(out);
}

}  // namespace patbot::slack
