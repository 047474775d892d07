// logsOf: runs `run` with spdlog's default logger replaced by one that writes everything, at every
// level, to a string, puts the previous default logger back, and returns what was logged. Call it
// on the test's thread while nothing else logs.
#pragma once

#include <functional>
#include <string>

namespace patbot::testing {

std::string logsOf(const std::function<void()>& run);

}  // namespace patbot::testing
