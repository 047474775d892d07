// A Socket Mode frame as Slack's WebSocket delivers it (slack/socket_mode_frames), then its
// payload through the same parsers the receiver uses (slash command, interaction), then the ack.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "slack/interaction_payload.h"
#include "slack/slash_command.h"
#include "slack/socket_mode_frames.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto frame = slack::parseSocketFrame(fuzz::asText(data, size));
  if (!frame) {
    fuzz::check(frame.error().kind == ErrorKind::kProtocol, "a bad frame is kProtocol");
    return 0;
  }
  fuzz::check(!frame->type.empty(), "a parsed frame has a type");
  if (frame->kind != slack::SocketFrameKind::kEnvelope) return 0;
  fuzz::check(!frame->envelopeId.empty(), "an envelope has an id");
  auto command = slack::parseSlashCommandJson(frame->payload);
  if (command) fuzz::check(!command->userId.empty() && !command->command.empty(), "a command has a user and a name");
  auto click = slack::parseInteractionJson(frame->payload);
  if (click) fuzz::check(!click->type.empty(), "a click has a type");
  auto ack = nlohmann::json::parse(slack::socketAck(frame->envelopeId, frame->payload), nullptr, false);
  fuzz::check(!ack.is_discarded() && ack.value("envelope_id", "") == frame->envelopeId, "the ack names the envelope");
  return 0;
}
