#include "slack/interaction_payload.h"

#include <nlohmann/json.hpp>

#include "slack/form_parser.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string text(const json& j, const char* key) {
  const json& v = member(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::string firstOf(std::string a, std::string b) { return a.empty() ? b : a; }

InteractionPayload fromJson(const json& root) {
  InteractionPayload p;
  p.type = text(root, "type");
  const json& user = member(root, "user");
  p.userId = text(user, "id");
  p.userName = firstOf(text(user, "username"), text(user, "name"));
  p.teamId = firstOf(text(member(root, "team"), "id"), text(user, "team_id"));
  const json& container = member(root, "container");
  p.channelId = firstOf(text(member(root, "channel"), "id"), text(container, "channel_id"));
  p.triggerId = text(root, "trigger_id");
  p.responseUrl = text(root, "response_url");
  p.containerMessageTs = text(container, "message_ts");
  const json& ephemeral = member(container, "is_ephemeral");
  p.containerIsEphemeral = ephemeral.is_boolean() && ephemeral.get<bool>();
  const json& actions = member(root, "actions");
  if (actions.is_array()) {
    for (const json& a : actions) {
      if (!a.is_object()) continue;
      p.actions.push_back(BlockAction{text(a, "action_id"), text(a, "block_id"), text(a, "value"),
                                      text(a, "action_ts")});
    }
  }
  return p;
}

}  // namespace

Result<InteractionPayload> parseInteractionJson(const nlohmann::json& root) {
  if (!root.is_object()) {
    return Error::make(ErrorKind::kInvalidInput, "the interaction payload is not a JSON object");
  }
  try {
    InteractionPayload p = fromJson(root);
    if (p.type.empty()) {
      return Error::make(ErrorKind::kInvalidInput, "the interaction payload has no type");
    }
    return p;
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kInvalidInput, "the interaction payload is malformed", e.what());
  }
}

Result<InteractionPayload> parseInteraction(std::string_view formBody) {
  const FormFields fields = parseForm(formBody);
  if (fields.find("payload") == fields.end()) {
    return Error::make(ErrorKind::kInvalidInput, "the interaction has no payload field");
  }
  return parseInteractionJson(json::parse(formValue(fields, "payload"), nullptr, /*allow_exceptions=*/false));
}

}  // namespace patbot::slack
