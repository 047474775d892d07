// The request id of the work running on this thread, so every log line can carry it.
// A RequestScope sets it for its lifetime (restoring the previous one after); threads that run
// work for a request (executor jobs) open a scope with that request's id.
#pragma once

#include <string>

namespace patbot {

// "" when no request is in progress on this thread.
const std::string& currentRequestId();

// A fresh id such as "req-5f2c9a1b0d3e4f67" (64 random bits).
std::string newRequestId();

class RequestScope {
 public:
  explicit RequestScope(std::string requestId);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace patbot
