#include "sim/fake_socket_wire.h"

#include <fmt/format.h>

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr const char* kHost = "applink-fake-1";

std::string hex(std::mt19937_64& rng, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (size_t i = 0; i < n; i += 16) {
    uint64_t bits = rng();
    for (size_t j = i; j < n && j < i + 16; ++j) {
      out[j] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
  return out;
}

std::string quoted(std::string_view text) { return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string mintEnvelopeId(std::mt19937_64& rng) {
  std::string h = hex(rng, 32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4), h.substr(20));
}

std::string mintTicket(std::mt19937_64& rng) { return hex(rng, 32); }

std::string helloFrame(int numConnections, std::string_view appId) {
  json hello = {{"type", "hello"},
                {"num_connections", numConnections},
                {"debug_info", {{"host", kHost}, {"build_number", 1}, {"approximate_connection_time", 18060}}},
                {"connection_info", {{"app_id", std::string(appId)}}}};
  return hello.dump();
}

std::string disconnectFrame(std::string_view reason) {
  json frame = {{"type", "disconnect"}, {"reason", std::string(reason)}, {"debug_info", {{"host", kHost}}}};
  return frame.dump();
}

std::string envelopeFrame(std::string_view envelopeId, std::string_view type, std::string_view payloadJson,
                          bool acceptsResponsePayload, int retryAttempt, std::string_view retryReason) {
  return fmt::format(R"({{"envelope_id":{},"type":{},"payload":{},"accepts_response_payload":{},)"
                     R"("retry_attempt":{},"retry_reason":{}}})",
                     quoted(envelopeId), quoted(type), payloadJson, acceptsResponsePayload ? "true" : "false",
                     retryAttempt, quoted(retryReason));
}

std::optional<SocketAck> parseAck(std::string_view text) {
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  auto id = parsed.find("envelope_id");
  if (id == parsed.end() || !id->is_string()) return std::nullopt;
  SocketAck ack;
  ack.envelopeId = id->get<std::string>();
  if (auto payload = parsed.find("payload"); payload != parsed.end() && !payload->is_null()) ack.payload = *payload;
  return ack;
}

}  // namespace patbot::fakes
