// ScriptedTransport: an http::Transport for tests that never opens a socket. It writes down every
// request it is sent, then answers from a queue of scripted answers, in order; once the queue is
// empty, from a handler of the request; without one, with kInternal "no answer". Thread-safe: the
// queue and the record share one mutex, and the handler runs outside it, so it may block.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace patbot::testing {

class ScriptedTransport final : public http::Transport {
 public:
  using Handler = std::function<Result<http::ClientResponse>(const http::ClientRequest&)>;

  // Queues one answer (a response or a transport Error) for the next unanswered request.
  void push(Result<http::ClientResponse> answer);
  // Answers requests once the queue is empty.
  void setHandler(Handler handler);
  // Answers every request, once the queue is empty, with a copy of `answer`.
  void answerAlways(Result<http::ClientResponse> answer);

  Result<http::ClientResponse> send(const http::ClientRequest& request) override;

  // Every request sent so far, in order (a copy).
  std::vector<http::ClientRequest> requests() const;
  size_t requestCount() const;
  // The latest request; an empty ClientRequest and a test failure when none was sent.
  http::ClientRequest lastRequest() const;

 private:
  mutable std::mutex mutex_;
  std::deque<Result<http::ClientResponse>> queue_;
  Handler handler_;
  std::vector<http::ClientRequest> requests_;
};

// A response with `status`, `body` and `headers` (lower-cased names); a non-empty body without a
// content-type header is labelled application/json, as GitLab's and Slack's Web API's are.
http::ClientResponse answer(int status, std::string body, http::Headers headers = {});

}  // namespace patbot::testing
