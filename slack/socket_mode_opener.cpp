#include "slack/socket_mode_opener.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/loopback.h"
#include "http/url.h"
#include "slack/socket_mode_frames.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

std::chrono::seconds retryAfterOf(const http::ClientResponse& response) {
  const std::string* value = response.header("retry-after");
  if (value == nullptr || value->empty() || value->size() > 6 ||
      !std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::chrono::seconds(1);
  }
  return std::chrono::seconds(std::max(1L, std::stol(*value)));
}

Error rateLimited(std::chrono::seconds after) {
  Error e = Error::make(ErrorKind::kRateLimited,
                        "Slack rate-limited apps.connections.open; retrying in " + std::to_string(after.count()) + " s");
  e.retryAfter = after;
  e.httpStatus = 429;
  return e;
}

// A ws(s):// URL patbot may connect to: wss:// anywhere, ws:// only to loopback.
bool acceptableSocketUrl(const std::string& url) {
  std::string asHttp;
  if (url.rfind("wss://", 0) == 0) {
    asHttp = "https://" + url.substr(6);
  } else if (url.rfind("ws://", 0) == 0) {
    asHttp = "http://" + url.substr(5);
  } else {
    return false;
  }
  auto parsed = http::parseUrl(asHttp);
  return parsed && isAllowedScheme(parsed->scheme, parsed->host);
}

}  // namespace

Result<std::string> openSocketModeConnection(http::Transport& transport, const std::string& apiUrl,
                                            const Secret& appToken, std::chrono::milliseconds deadline) {
  http::ClientRequest request;
  request.method = "POST";
  request.url = apiUrl + "/apps.connections.open";
  request.headers["Authorization"] = "Bearer " + appToken.reveal();
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.deadline = deadline;
  auto response = transport.send(request);
  if (!response) {
    Error e = response.error();
    e.message = "Slack's apps.connections.open did not answer: " + e.message;
    return e;
  }
  if (response->status == 429) return rateLimited(retryAfterOf(*response));
  if (response->status >= 500) {
    Error e = Error::make(ErrorKind::kUnavailable,
                          "Slack's apps.connections.open answered HTTP " + std::to_string(response->status));
    e.httpStatus = response->status;
    return e;
  }
  const json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("ok") || !body["ok"].is_boolean()) {
    Error e = Error::make(ErrorKind::kProtocol, "Slack's apps.connections.open answered HTTP " +
                                                    std::to_string(response->status) + " without a Slack API body");
    e.httpStatus = response->status;
    return e;
  }
  if (!body["ok"].get<bool>()) {
    std::string code = body.value("error", std::string("unknown_error"));
    if (code == "ratelimited") return rateLimited(retryAfterOf(*response));
    if (isFatalSocketModeError(code)) {
      const bool scope = code == "missing_scope" || code == "not_allowed_token_type";
      Error e = Error::make(scope ? ErrorKind::kForbidden : ErrorKind::kUnauthorized,
                            "Slack refused the app-level token (" + code +
                                "): check SLACK_APP_TOKEN — an app-level token (xapp-…) with the "
                                "connections:write scope, of an app with Socket Mode turned on",
                            code);
      e.httpStatus = response->status;
      return e;
    }
    Error e = Error::make(ErrorKind::kUnavailable, "Slack's apps.connections.open failed: " + code, code);
    e.httpStatus = response->status;
    return e;
  }
  std::string url = body.value("url", std::string());
  if (!acceptableSocketUrl(url)) {
    // The URL carries a ticket: never log it.
    return Error::make(ErrorKind::kProtocol,
                       "Slack's apps.connections.open gave no usable URL (wss://, or ws:// to loopback)");
  }
  return url;
}

}  // namespace patbot::slack
