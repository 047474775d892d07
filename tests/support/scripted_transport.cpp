#include "tests/support/scripted_transport.h"

#include <utility>

#include <gtest/gtest.h>

namespace patbot::testing {

void ScriptedTransport::push(Result<http::ClientResponse> answer) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(answer));
}

void ScriptedTransport::setHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void ScriptedTransport::answerAlways(Result<http::ClientResponse> answer) {
  setHandler([answer = std::move(answer)](const http::ClientRequest&) { return answer; });
}

Result<http::ClientResponse> ScriptedTransport::send(const http::ClientRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (!queue_.empty()) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      return next;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return Error::make(ErrorKind::kInternal, "ScriptedTransport has no answer for " + request.url);
}

std::vector<http::ClientRequest> ScriptedTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t ScriptedTransport::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

http::ClientRequest ScriptedTransport::lastRequest() const {
  std::lock_guard lock(mutex_);
  EXPECT_FALSE(requests_.empty()) << "no request was sent";
  return requests_.empty() ? http::ClientRequest{} : requests_.back();
}

http::ClientResponse answer(int status, std::string body, http::Headers headers) {
  http::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  if (!r.body.empty() && r.headers.find("content-type") == r.headers.end()) {
    r.headers["content-type"] = "application/json";
  }
  return r;
}

}  // namespace patbot::testing
