// Wire shapes of Slack's Socket Mode as the fake Slack sends and reads them
// (reference/slack-socket-mode.md §2-3): the hello and disconnect frames, envelopes, acks, and
// the random ids Slack mints (tickets, envelope ids). Pure functions, thread-safe (the rng is
// the caller's).
#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace patbot::fakes {

// The one app id of the simulated workspace's app, everywhere it appears (api_app_id of commands
// and clicks, app_id of messages, the connection URL, hello's connection_info).
inline constexpr const char* kFakeAppId = "A0PATBOT001";

// A random UUID-shaped id (lower-case hex, version 4), as Slack's envelope ids look.
std::string mintEnvelopeId(std::mt19937_64& rng);
// A random ticket for a connection URL (32 lower-case hex characters).
std::string mintTicket(std::mt19937_64& rng);

// {"type":"hello","num_connections":N,"debug_info":{...},"connection_info":{"app_id":...}}
std::string helloFrame(int numConnections, std::string_view appId);
// {"type":"disconnect","reason":R,"debug_info":{"host":...}}
std::string disconnectFrame(std::string_view reason);

// {"envelope_id","type","payload","accepts_response_payload","retry_attempt","retry_reason"};
// `payloadJson` must be JSON text (an object) and is inserted verbatim.
std::string envelopeFrame(std::string_view envelopeId, std::string_view type, std::string_view payloadJson,
                          bool acceptsResponsePayload, int retryAttempt, std::string_view retryReason);

// An ack as the client sends it: {"envelope_id": "...", "payload": {...}} (payload optional).
struct SocketAck {
  std::string envelopeId;
  std::optional<nlohmann::json> payload;
};
// nullopt when `text` is not a JSON object with a string envelope_id.
std::optional<SocketAck> parseAck(std::string_view text);

}  // namespace patbot::fakes
