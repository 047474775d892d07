// ScriptedTransport: an in-process http::Transport for gitlab tests. Records every request;
// answers from a queue of scripted results, or (when the queue is empty) from a handler
// function of the request. Thread-safe; the handler runs outside the lock, so it may block.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/http_types.h"

namespace patbot::gitlab::testing {

class ScriptedTransport final : public http::Transport {
 public:
  using Handler = std::function<Result<http::ClientResponse>(const http::ClientRequest&)>;

  void push(Result<http::ClientResponse> answer) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(answer));
  }
  void setHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      if (!queue_.empty()) {
        auto answer = std::move(queue_.front());
        queue_.pop_front();
        return answer;
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return Error::make(ErrorKind::kInternal, "ScriptedTransport has no answer for " + request.url);
  }

  std::vector<http::ClientRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t requestCount() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Result<http::ClientResponse>> queue_;
  Handler handler_;
  std::vector<http::ClientRequest> requests_;
};

// A GitLab-looking answer; `nextPage` fills the pagination headers ("" = last page).
inline http::ClientResponse answer(int status, std::string body, http::Headers extra = {}) {
  http::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(extra);
  if (!r.body.empty() && r.headers.find("content-type") == r.headers.end()) {
    r.headers["content-type"] = "application/json";
  }
  return r;
}

inline http::ClientResponse page(std::string body, std::string nextPage, std::string thisPage = "1") {
  return answer(200, std::move(body),
                {{"x-next-page", std::move(nextPage)}, {"x-page", std::move(thisPage)},
                 {"x-per-page", "100"}, {"x-prev-page", ""}});
}

inline Error transportError(ErrorKind kind, std::string message) {
  return Error::make(kind, std::move(message));
}

}  // namespace patbot::gitlab::testing
