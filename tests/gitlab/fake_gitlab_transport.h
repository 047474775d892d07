// FakeGitLabTransport: an http::Transport that answers in process from a fakes::FakeGitLab, so
// RestGitLabApi can be tested against the fake without sockets. The URL is split as the HTTP
// server does (path percent-decoded, query kept raw, header names lower-cased, a Host header
// added). Thread-safe as FakeGitLab::handle is; counts requests.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>

#include "http/http_types.h"
#include "http/url.h"
#include "sim/fake_gitlab.h"

namespace patbot::gitlab::testing {

class FakeGitLabTransport final : public http::Transport {
 public:
  explicit FakeGitLabTransport(fakes::FakeGitLab& fake) : fake_(fake) {}

  Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    ++requests_;
    auto url = http::parseUrl(request.url);
    if (!url) return Error::make(ErrorKind::kInvalidInput, "not an http(s) URL");
    http::Request req;
    req.method = request.method;
    const std::string& pq = url->pathAndQuery;
    const size_t q = pq.find('?');
    req.path = http::urlDecode(pq.substr(0, q));
    req.query = q == std::string::npos ? std::string() : pq.substr(q + 1);
    for (const auto& [name, value] : request.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      req.headers[lower] = value;
    }
    req.headers["host"] = http::hostPort(*url);
    req.body = request.body;
    req.remote = "127.0.0.1";
    http::Response res = fake_.handle(req);
    http::ClientResponse out;
    out.status = res.status;
    out.headers = std::move(res.headers);
    out.body = std::move(res.body);
    return out;
  }

  int requests() const { return requests_.load(); }

 private:
  fakes::FakeGitLab& fake_;
  std::atomic<int> requests_{0};
};

}  // namespace patbot::gitlab::testing
