#include "sim/fake_slack_blocks.h"

#include <fmt/format.h>

#include "sim/fake_slack_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;
using Problem = std::optional<std::string>;

constexpr size_t kMaxBlocks = 50;
constexpr size_t kMaxSectionText = 3000;
constexpr size_t kMaxFields = 10;
constexpr size_t kMaxFieldText = 2000;
constexpr size_t kMaxHeaderText = 150;
constexpr size_t kMaxButtonText = 75;
constexpr size_t kMaxButtonValue = 2000;
constexpr size_t kMaxButtonUrl = 3000;
constexpr size_t kMaxId = 255;
constexpr size_t kMaxActionsElements = 25;
constexpr size_t kMaxContextElements = 10;

Problem at(const std::string& what, const std::string& pointer) {
  return fmt::format("{} [json-pointer:{}]", what, pointer);
}

// A text object {type: plain_text|mrkdwn, text}; `plainOnly` rejects mrkdwn.
Problem checkText(const json& t, const std::string& ptr, size_t maxLen, bool plainOnly) {
  if (!t.is_object()) return at("must be a text object", ptr);
  auto type = t.value("type", json()).is_string() ? t["type"].get<std::string>() : "";
  if (type != "plain_text" && !(type == "mrkdwn" && !plainOnly)) {
    return at(plainOnly ? "must be plain_text" : "type must be plain_text or mrkdwn", ptr + "/type");
  }
  if (!t.contains("text") || !t["text"].is_string()) return at("text is required", ptr + "/text");
  size_t n = utf8Length(t["text"].get_ref<const std::string&>());
  if (n == 0) return at("must be at least 1 character", ptr + "/text");
  if (n > maxLen) return at(fmt::format("must be at most {} characters", maxLen), ptr + "/text");
  return std::nullopt;
}

Problem checkStringMax(const json& parent, const char* key, size_t maxLen, const std::string& ptr) {
  if (!parent.contains(key)) return std::nullopt;
  if (!parent[key].is_string()) return at("must be a string", ptr + "/" + key);
  if (utf8Length(parent[key].get_ref<const std::string&>()) > maxLen) {
    return at(fmt::format("must be at most {} characters", maxLen), ptr + "/" + key);
  }
  return std::nullopt;
}

Problem checkConfirm(const json& c, const std::string& ptr) {
  if (!c.is_object()) return at("must be a confirmation object", ptr);
  if (auto p = checkText(c.value("title", json()), ptr + "/title", 100, true)) return p;
  if (auto p = checkText(c.value("text", json()), ptr + "/text", 300, false)) return p;
  if (auto p = checkText(c.value("confirm", json()), ptr + "/confirm", 30, true)) return p;
  if (auto p = checkText(c.value("deny", json()), ptr + "/deny", 30, true)) return p;
  if (c.contains("style") && c["style"] != "danger" && c["style"] != "primary") {
    return at("style must be danger or primary", ptr + "/style");
  }
  return std::nullopt;
}

Problem checkElement(const json& e, const std::string& ptr) {
  if (!e.is_object() || !e.value("type", json()).is_string()) return at("element needs a type", ptr);
  if (auto p = checkStringMax(e, "action_id", kMaxId, ptr)) return p;
  if (e["type"] != "button") return std::nullopt;
  if (auto p = checkText(e.value("text", json()), ptr + "/text", kMaxButtonText, true)) return p;
  if (auto p = checkStringMax(e, "value", kMaxButtonValue, ptr)) return p;
  if (auto p = checkStringMax(e, "url", kMaxButtonUrl, ptr)) return p;
  if (e.contains("style") && e["style"] != "danger" && e["style"] != "primary") {
    return at("style must be danger or primary", ptr + "/style");
  }
  if (e.contains("confirm")) return checkConfirm(e["confirm"], ptr + "/confirm");
  return std::nullopt;
}

Problem checkSection(const json& b, const std::string& ptr) {
  bool hasText = b.contains("text");
  bool hasFields = b.contains("fields");
  if (!hasText && !hasFields) return at("section needs text or fields", ptr);
  if (hasText) {
    if (auto p = checkText(b["text"], ptr + "/text", kMaxSectionText, false)) return p;
  }
  if (hasFields) {
    const auto& f = b["fields"];
    if (!f.is_array() || f.empty()) return at("fields must be a non-empty array", ptr + "/fields");
    if (f.size() > kMaxFields) return at(fmt::format("must be at most {} items", kMaxFields), ptr + "/fields");
    for (size_t i = 0; i < f.size(); ++i) {
      if (auto p = checkText(f[i], fmt::format("{}/fields/{}", ptr, i), kMaxFieldText, false)) return p;
    }
  }
  if (b.contains("accessory")) return checkElement(b["accessory"], ptr + "/accessory");
  return std::nullopt;
}

Problem checkElements(const json& b, const std::string& ptr, size_t maxCount, bool interactive) {
  if (!b.contains("elements") || !b["elements"].is_array() || b["elements"].empty()) {
    return at("elements must be a non-empty array", ptr + "/elements");
  }
  const auto& els = b["elements"];
  if (els.size() > maxCount) return at(fmt::format("must be at most {} items", maxCount), ptr + "/elements");
  for (size_t i = 0; i < els.size(); ++i) {
    std::string ep = fmt::format("{}/elements/{}", ptr, i);
    if (interactive) {
      if (auto p = checkElement(els[i], ep)) return p;
    } else if (!els[i].is_object() || !els[i].value("type", json()).is_string()) {
      return at("element needs a type", ep);
    } else if (els[i]["type"] == "plain_text" || els[i]["type"] == "mrkdwn") {
      if (auto p = checkText(els[i], ep, kMaxSectionText, false)) return p;
    }
  }
  return std::nullopt;
}

Problem checkBlock(const json& b, const std::string& ptr) {
  if (!b.is_object() || !b.value("type", json()).is_string()) return at("block needs a type", ptr);
  if (auto p = checkStringMax(b, "block_id", kMaxId, ptr)) return p;
  const auto& type = b["type"].get_ref<const std::string&>();
  if (type == "section") return checkSection(b, ptr);
  if (type == "header") return checkText(b.value("text", json()), ptr + "/text", kMaxHeaderText, true);
  if (type == "actions") return checkElements(b, ptr, kMaxActionsElements, true);
  if (type == "context") return checkElements(b, ptr, kMaxContextElements, false);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validateBlocks(const json& blocks) {
  if (!blocks.is_array()) return at("blocks must be an array", "/blocks");
  if (blocks.size() > kMaxBlocks) return at(fmt::format("must be at most {} items", kMaxBlocks), "/blocks");
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (auto p = checkBlock(blocks[i], fmt::format("/blocks/{}", i))) return p;
  }
  return std::nullopt;
}

}  // namespace patbot::fakes
