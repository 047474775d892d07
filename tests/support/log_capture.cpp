#include "tests/support/log_capture.h"

#include <memory>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace patbot::testing {

std::string logsOf(const std::function<void()>& run) {
  std::ostringstream out;
  auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  capture->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(capture);
  try {
    run();
  } catch (...) {
    spdlog::set_default_logger(previous);
    throw;
  }
  spdlog::set_default_logger(previous);
  capture->flush();
  return out.str();
}

}  // namespace patbot::testing
