#include "bot/logging.h"

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/redact.h"
#include "core/request_context.h"
#include "core/time_format.h"

namespace patbot {
namespace {

class PatbotFormatter final : public spdlog::formatter {
 public:
  explicit PatbotFormatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string text = redactSecrets(std::string_view(msg.payload.data(), msg.payload.size()));
    std::string time = formatTimestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(msg.time));
    auto level = spdlog::level::to_string_view(msg.level);
    const std::string& rid = currentRequestId();
    std::string line;
    if (json_) {
      nlohmann::json j = {{"time", time}, {"level", std::string(level.data(), level.size())},
                          {"request_id", rid.empty() ? "-" : rid}, {"message", text}};
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = time + " " + std::string(level.data(), level.size()) + " [" + (rid.empty() ? "-" : rid) + "] " +
             escapeLogText(text);
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<PatbotFormatter>(json_); }

 private:
  bool json_;
};

}  // namespace

std::string escapeLogText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      out += fmt::format("\\u{:04x}", next(1));
      i += 1;
    } else if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) {
      out += next(2) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void setupLogging(const std::string& format, const std::string& level) {
  auto logger = spdlog::get("patbot");
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("patbot", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    spdlog::register_logger(logger);
  }
  logger->set_formatter(std::make_unique<PatbotFormatter>(format == "json"));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace patbot
