#include "tests/support/fake_gitlab_transport.h"

#include <utility>

#include "core/lower_case.h"
#include "http/url.h"

namespace patbot::testing {

Result<http::ClientResponse> FakeGitLabTransport::send(const http::ClientRequest& request) {
  if (intercept) {
    if (auto answer = intercept(request)) return std::move(*answer);
  }
  return forward(request);
}

Result<http::ClientResponse> FakeGitLabTransport::forward(const http::ClientRequest& request) {
  auto url = http::parseUrl(request.url);
  if (!url) return Error::make(ErrorKind::kInvalidInput, "not an http(s) URL");
  http::Request req;
  req.method = request.method;
  const std::string& pathAndQuery = url->pathAndQuery;
  const size_t q = pathAndQuery.find('?');
  req.path = http::urlDecode(pathAndQuery.substr(0, q));
  req.query = q == std::string::npos ? std::string() : pathAndQuery.substr(q + 1);
  for (const auto& [name, value] : request.headers) req.headers[lowerCase(name)] = value;
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

}  // namespace patbot::testing
