// Internal to FakeSocketMode (fake_socket_mode.cpp, fake_socket_burst.cpp): the records behind
// its mutex. Every member is guarded by FakeSocketMode::mu_.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fake_socket_mode.h"

namespace patbot::fakes {

using SteadyClock = std::chrono::steady_clock;

// One connection, from its handshake on; kept after it closed (the listing shows every one).
struct FakeSocketMode::Connection {
  int64_t id = 0;
  http::WebSocketPeer peer;
  bool open = true;
  bool silent = false;
  bool helloSent = false;
  int64_t openedAtMs = 0;
  std::optional<int64_t> closedAtMs;
  std::string closedBy;  // client | server | abort, once closed
  uint16_t closeCode = 0;
  std::string closeReason;
  int64_t pingsSent = 0;
  int64_t pongsReceived = 0;
  int64_t pingsReceived = 0;
  int64_t envelopesSent = 0;
  int64_t acksReceived = 0;
  std::optional<std::string> disconnectReason;  // the last disconnect frame sent
  SteadyClock::time_point nextPing{};
  std::optional<SteadyClock::time_point> closeAt;  // a scheduled server-side close
};

// One send of an envelope (the first, a duplicate or a retry) and its ack.
struct FakeSocketMode::Sent {
  int64_t connection = 0;
  int retryAttempt = 0;
  SteadyClock::time_point sentAt{};
  int64_t sentAtMs = 0;
  bool acked = false;
  SteadyClock::time_point ackedAt{};
  std::optional<nlohmann::json> payload;
};

// The burst under way: envelope i's times, by index; acks find i through `index`.
struct FakeSocketMode::Burst {
  std::unordered_map<std::string, size_t> index;
  std::vector<SteadyClock::time_point> sentAt;   // when written (queued, until the write completes)
  std::vector<SteadyClock::time_point> ackedAt;
  std::vector<char> acked;
  size_t ackedCount = 0;
  size_t inFlight = 0;
  SteadyClock::time_point lastProgress{};
};

}  // namespace patbot::fakes
