// Socket Mode frames (reference/slack-socket-mode.md §2–3): hello, disconnect, envelopes, acks.
#include <gtest/gtest.h>

#include "slack/interaction_payload.h"
#include "slack/slash_command.h"
#include "slack/socket_mode_frames.h"

namespace patbot::slack {
namespace {

TEST(SocketModeFrames, HelloAsTheReferenceShowsIt) {
  auto f = parseSocketFrame(R"({"type":"hello","num_connections":2,"debug_info":{"host":"applink-1",
      "build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A0PATBOT01"}})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->kind, SocketFrameKind::kHello);
  EXPECT_EQ(f->numConnections, 2);
}

TEST(SocketModeFrames, DisconnectReasonsAndWhatTheyMean) {
  for (const char* reason : {"warning", "refresh_requested", "too_many_websockets", "link_disabled"}) {
    auto f = parseSocketFrame(std::string(R"({"type":"disconnect","reason":")") + reason +
                              R"(","debug_info":{"host":"applink-1"}})");
    ASSERT_TRUE(f.ok()) << reason;
    EXPECT_EQ(f->kind, SocketFrameKind::kDisconnect);
    EXPECT_EQ(f->reason, reason);
  }
  EXPECT_EQ(disconnectAction("warning"), DisconnectAction::kReplace);
  EXPECT_EQ(disconnectAction("refresh_requested"), DisconnectAction::kReplace);
  EXPECT_EQ(disconnectAction("something_new"), DisconnectAction::kReplace);
  EXPECT_EQ(disconnectAction("too_many_websockets"), DisconnectAction::kBackOff);
  EXPECT_EQ(disconnectAction("link_disabled"), DisconnectAction::kFatal);
  EXPECT_FALSE(parseSocketFrame(R"({"type":"disconnect"})").ok());
}

TEST(SocketModeFrames, SlashCommandEnvelopeBecomesTheSameCommandAsTheForm) {
  auto f = parseSocketFrame(R"({"envelope_id":"1d9d6c8a-8b1e","type":"slash_commands","accepts_response_payload":true,
      "payload":{"token":"x","team_id":"T0PATBOT1","channel_id":"C0PATBOT01","channel_name":"patbot",
      "user_id":"U0ALICE001","user_name":"alice","command":"/pat","text":"rotate a/b &amp; &lt;x&gt;",
      "response_url":"https://hooks.slack.com/commands/T/1/abc","trigger_id":"13345224609.738474920.8088930838d88f008e0",
      "api_app_id":"A0PATBOT01"},"retry_attempt":0,"retry_reason":""})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->kind, SocketFrameKind::kEnvelope);
  EXPECT_EQ(f->envelopeId, "1d9d6c8a-8b1e");
  EXPECT_TRUE(f->acceptsResponsePayload);
  auto fromJson = parseSlashCommandJson(f->payload);
  ASSERT_TRUE(fromJson.ok());
  auto fromForm = parseSlashCommand(
      "team_id=T0PATBOT1&channel_id=C0PATBOT01&channel_name=patbot&user_id=U0ALICE001&user_name=alice&command=%2Fpat"
      "&text=rotate+a%2Fb+%26amp%3B+%26lt%3Bx%26gt%3B&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT%2F1%2Fabc"
      "&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A0PATBOT01");
  ASSERT_TRUE(fromForm.ok());
  EXPECT_EQ(fromJson->text, "rotate a/b & <x>");
  EXPECT_EQ(fromJson->text, fromForm->text);
  EXPECT_EQ(fromJson->userId, fromForm->userId);
  EXPECT_EQ(fromJson->channelId, fromForm->channelId);
  EXPECT_EQ(fromJson->responseUrl, fromForm->responseUrl);
  EXPECT_EQ(fromJson->triggerId, fromForm->triggerId);
  EXPECT_EQ(fromJson->command, "/pat");
}

TEST(SocketModeFrames, InteractiveEnvelopeCarriesTheHttpPayloadObject) {
  auto f = parseSocketFrame(R"({"envelope_id":"e2","type":"interactive","accepts_response_payload":false,
      "payload":{"type":"block_actions","user":{"id":"U0ALICE001","username":"alice","team_id":"T0PATBOT1"},
      "container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C0PATBOT01","is_ephemeral":true},
      "trigger_id":"t1","response_url":"https://hooks.slack.com/actions/T/1/x",
      "actions":[{"action_id":"pat_confirm","block_id":"b","value":"v1","action_ts":"1700000001.000200"}]}})");
  ASSERT_TRUE(f.ok());
  auto click = parseInteractionJson(f->payload);
  ASSERT_TRUE(click.ok()) << click.error().message;
  EXPECT_EQ(click->userId, "U0ALICE001");
  EXPECT_EQ(click->channelId, "C0PATBOT01");
  ASSERT_EQ(click->actions.size(), 1u);
  EXPECT_EQ(click->actions[0].actionId, "pat_confirm");
  EXPECT_TRUE(click->containerIsEphemeral);
}

TEST(SocketModeFrames, HostileOrBrokenFramesAreErrorsNotCrashes) {
  for (const char* text : {"", "null", "[]", "{", R"({"type":3})", R"({"type":"slash_commands"})",
                           R"({"type":"interactive","envelope_id":""})", "\xff\xfe"}) {
    EXPECT_FALSE(parseSocketFrame(text).ok()) << text;
  }
  // An unknown type with an id is still an envelope: it must be acknowledged.
  auto f = parseSocketFrame(R"({"type":"events_api","envelope_id":"e3","payload":{}})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, SocketFrameKind::kEnvelope);
  EXPECT_FALSE(parseSlashCommandJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(parseSlashCommandJson({{"user_id", 5}, {"command", "/pat"}}).ok());
  EXPECT_FALSE(parseInteractionJson(nlohmann::json("x")).ok());
}

TEST(SocketModeFrames, AcksAreTheDocumentedShapes) {
  EXPECT_EQ(nlohmann::json::parse(socketAck("e1")), nlohmann::json({{"envelope_id", "e1"}}));
  nlohmann::json reply = {{"text", "hi"}, {"response_type", "ephemeral"}};
  EXPECT_EQ(nlohmann::json::parse(socketAck("e1", reply)),
            nlohmann::json({{"envelope_id", "e1"}, {"payload", reply}}));
}

TEST(SocketModeFrames, FatalErrorsAreTheOnesReconnectingCannotCure) {
  for (const char* e : {"invalid_auth", "not_authed", "account_inactive", "link_disabled"}) {
    EXPECT_TRUE(isFatalSocketModeError(e)) << e;
  }
  for (const char* e : {"ratelimited", "internal_error", "fatal_error", "request_timeout", ""}) {
    EXPECT_FALSE(isFatalSocketModeError(e)) << e;
  }
}

}  // namespace
}  // namespace patbot::slack
