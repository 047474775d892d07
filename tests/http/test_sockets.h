// Raw POSIX socket helpers for the HTTP tests (no HTTP library involved).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace patbot::http::testing {

// A loopback port that was free a moment ago: bound to 127.0.0.1:0, read, closed.
uint16_t unusedLoopbackPort();

// True once a TCP connect to 127.0.0.1:port succeeds, false after `timeout`.
bool waitForListening(uint16_t port, std::chrono::milliseconds timeout);

// A connected socket to 127.0.0.1:port with `timeout` on reads and writes; -1 on failure.
int connectWithTimeout(uint16_t port, std::chrono::milliseconds timeout);

// Reads from `fd` until `until` is found in what arrived (true), the peer closes, or the
// socket's read timeout passes (false). What arrived is appended to `received`.
bool readUntil(int fd, const std::string& until, std::string& received);

// True when sending `bytes` on `fd` succeeded in full.
bool sendAllBytes(int fd, const std::string& bytes);

// Connects to 127.0.0.1:port, writes `bytes` (in pieces of at most `pieceSize`), then reads until
// the peer closes or `timeout` passes. Returns what was read ("" when the connect failed).
std::string rawExchange(uint16_t port, const std::string& bytes, size_t pieceSize,
                        std::chrono::milliseconds timeout);

}  // namespace patbot::http::testing
