#include "sim/fake_sink_faults.h"

#include <chrono>
#include <stdexcept>

namespace patbot::fakes {

using nlohmann::json;

SinkFaultQueue::~SinkFaultQueue() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  ++generation_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return held_ == 0; });
}

void SinkFaultQueue::add(const json& body) {
  if (!body.is_object()) throw std::invalid_argument("a fault is a JSON object");
  SinkFault f;
  auto str = [&](const char* key) -> std::string {
    if (!body.contains(key) || body[key].is_null()) return "";
    if (!body[key].is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
    return body[key].get<std::string>();
  };
  auto num = [&](const char* key, int dflt) -> int {
    if (!body.contains(key) || body[key].is_null()) return dflt;
    if (!body[key].is_number_integer()) throw std::invalid_argument(std::string(key) + " must be an integer");
    return body[key].get<int>();
  };
  f.method = str("method");
  f.path = str("path");
  f.remaining = num("count", 1);
  f.status = num("status", 500);
  f.retryAfter = num("retry_after", -1);
  if (body.contains("hang")) {
    if (!body["hang"].is_boolean()) throw std::invalid_argument("hang must be a boolean");
    f.hang = body["hang"].get<bool>();
  }
  if (body.contains("body")) f.body = body["body"];
  if (f.remaining < 1) throw std::invalid_argument("count must be at least 1");
  if (f.status < 100 || f.status > 599) throw std::invalid_argument("status must be an HTTP status");
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(f));
}

void SinkFaultQueue::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
  ++generation_;
  cv_.notify_all();
}

json SinkFaultQueue::toJson() const {
  std::lock_guard lock(mutex_);
  json out = json::array();
  for (const auto& f : faults_) {
    out.push_back({{"method", f.method}, {"path", f.path}, {"count", f.remaining}, {"status", f.status},
                   {"hang", f.hang}, {"retry_after", f.retryAfter}, {"body", f.body}});
  }
  return {{"faults", out}, {"held", held_}};
}

std::optional<SinkFault> SinkFaultQueue::take(const std::string& method, const std::string& path) {
  std::unique_lock lock(mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (!it->path.empty() && it->path != path) continue;
    SinkFault f = *it;
    if (--it->remaining == 0) faults_.erase(it);
    if (f.hang) {
      uint64_t gen = generation_;
      ++held_;
      cv_.wait_for(lock, std::chrono::minutes(10), [&] { return generation_ != gen || stopping_; });
      --held_;
      cv_.notify_all();
      f.status = 503;
    }
    return f;
  }
  return std::nullopt;
}

int SinkFaultQueue::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

void SinkCallLog::record(SinkCall call) {
  std::lock_guard lock(mutex_);
  call.seq = next_++;
  calls_.push_back(std::move(call));
}

void SinkCallLog::clear() {
  std::lock_guard lock(mutex_);
  calls_.clear();
}

json SinkCallLog::toJson(int64_t since) const {
  std::lock_guard lock(mutex_);
  json out = json::array();
  for (const auto& c : calls_) {
    if (c.seq <= since) continue;
    out.push_back({{"seq", c.seq}, {"method", c.method}, {"path", c.path}, {"query", c.query},
                   {"status", c.status}, {"auth", c.auth}, {"faulted", c.faulted}});
  }
  return out;
}

}  // namespace patbot::fakes
