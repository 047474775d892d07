// Process-wide logging: spdlog to stderr, one line per event, every line with the request id of
// the thread's current request (core/request_context.h). Format "text" or "json" (one JSON object
// a line: time, level, request_id, message). Messages pass through redactSecrets().
#pragma once

#include <string>
#include <string_view>

namespace patbot {

// Installs the formatter and level on the default logger. Safe to call again (tests). In the
// text format every message passes through escapeLogText, so one event is always one line.
void setupLogging(const std::string& format, const std::string& level);

// A log message for the text format, one line whatever it holds: a backslash becomes two, LF,
// CR and tab become \n, \r and \t, other C0 controls and DEL become \xHH, C1 controls
// (U+0080..U+009F) and U+2028/U+2029 become \uHHHH. Text from outside (a request path with %0A, a
// token name with ESC) can neither forge a line nor drive a terminal; the escaping is reversible.
std::string escapeLogText(std::string_view text);

}  // namespace patbot
