#include <iostream>

#include <spdlog/spdlog.h>

#include "bot/cli.h"
#include "bot/logging.h"

namespace patbot::cli {

int fail(const std::string& message, int code) {
  std::cerr << "patbot: " << message << std::endl;
  return code;
}

void logConfigWarnings(const Config& config) {
  for (const auto& warning : config.warnings) spdlog::warn("{}", warning);
}

}  // namespace patbot::cli
