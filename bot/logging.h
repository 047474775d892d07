// Process-wide logging: spdlog to stderr, one line per event, every line with the request id of
// the thread's current request (core/request_context.h). Format "text" or "json" (one JSON object
// a line: time, level, request_id, message). Messages pass through redactSecrets().
#pragma once

#include <string>

namespace patbot {

// Installs the formatter and level on the default logger. Safe to call again (tests).
void setupLogging(const std::string& format, const std::string& level);

}  // namespace patbot
