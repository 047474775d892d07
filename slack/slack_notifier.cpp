#include "slack/slack_notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/loopback.h"
#include "http/url.h"
#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kRequestDeadline{15000};
constexpr std::size_t kMaxDetailBody = 200;
constexpr const char* kMetric = "patbot_slack_requests_total";

std::chrono::seconds retryAfter(const http::ClientResponse& response) {
  const std::string* value = response.header("retry-after");
  if (value == nullptr || value->empty() || value->size() > 6 ||
      !std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return SlackNotifier::kDefaultRetryAfter;
  }
  return std::min(std::chrono::seconds(std::stol(*value)), SlackNotifier::kMaxRetryAfter);
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json messageBody(const Message& message) {
  json body = json::object();
  body["text"] = message.text;
  if (message.blocks.is_array() && !message.blocks.empty()) body["blocks"] = message.blocks;
  return body;
}

struct ApiErrorAdvice {
  ErrorKind kind;
  std::string message;
};

ApiErrorAdvice adviceFor(const std::string& code, const std::string& channel) {
  const std::string where = channel.empty() ? "the channel" : "channel " + channel;
  if (code == "not_authed") {
    return {ErrorKind::kUnauthorized, "Slack received no bot token (not_authed): set SLACK_BOT_TOKEN"};
  }
  if (code == "invalid_auth") {
    return {ErrorKind::kUnauthorized,
            "Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN (an xoxb- token)"};
  }
  if (code == "token_revoked") {
    return {ErrorKind::kUnauthorized,
            "the Slack bot token was revoked (token_revoked): reinstall the app and update SLACK_BOT_TOKEN"};
  }
  if (code == "account_inactive") {
    return {ErrorKind::kUnauthorized,
            "the Slack bot user is deactivated (account_inactive): reinstall the app and update SLACK_BOT_TOKEN"};
  }
  if (code == "channel_not_found") {
    return {ErrorKind::kNotFound, "Slack cannot find " + where +
                                      " (channel_not_found): use a channel ID (C…), and invite @patbot "
                                      "to the channel if it is private"};
  }
  if (code == "not_in_channel") {
    return {ErrorKind::kNotFound,
            "patbot is not a member of " + where + " (not_in_channel): invite @patbot to the channel"};
  }
  if (code == "is_archived") {
    return {ErrorKind::kNotFound, where + " is archived (is_archived): choose another channel"};
  }
  if (code == "missing_scope") {
    return {ErrorKind::kProtocol,
            "the Slack app lacks a scope (missing_scope): add chat:write and reinstall the app"};
  }
  if (code == "msg_too_long" || code == "invalid_blocks" || code == "msg_blocks_too_long") {
    return {ErrorKind::kProtocol, "Slack refused the message (" + code + "): it is too large or malformed"};
  }
  if (code == "message_not_found" || code == "cant_update_message" || code == "edit_window_closed") {
    return {ErrorKind::kProtocol, "Slack cannot update that message (" + code + ")"};
  }
  return {ErrorKind::kProtocol, "Slack answered with an error (" + (code.empty() ? "unknown" : code) + ")"};
}

}  // namespace

std::string urlHost(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view rest = url.substr(scheme + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(authority);
}

SlackNotifier::SlackNotifier(http::Transport& transport, std::string apiBaseUrl, Secret botToken,
                             const Clock& clock, MetricsRegistry* metrics)
    : transport_(transport),
      apiBaseUrl_(std::move(apiBaseUrl)),
      botToken_(std::move(botToken)),
      clock_(clock),
      metrics_(metrics) {
  while (!apiBaseUrl_.empty() && apiBaseUrl_.back() == '/') apiBaseUrl_.pop_back();
  if (metrics_ != nullptr) {
    metrics_->declareCounter(kMetric, "Requests patbot sent to Slack, by method and HTTP status");
  }
}

void SlackNotifier::record(const std::string& method, const std::string& status) {
  if (metrics_ != nullptr) metrics_->inc(kMetric, {{"method", method}, {"status", status}});
}

std::string SlackNotifier::scrub(std::string text) const {
  const std::string& token = botToken_.reveal();
  if (token.empty()) return text;
  for (std::size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
    text.replace(pos, token.size(), "[redacted]");
  }
  return text;
}

Result<http::ClientResponse> SlackNotifier::sendWithRetry(const std::string& method,
                                                          const http::ClientRequest& request,
                                                          const std::function<Status()>& reserveUse,
                                                          const std::function<void()>& releaseUse) {
  for (int attempt = 0;; ++attempt) {
    if (reserveUse) {
      Status reserved = reserveUse();
      if (!reserved.ok()) return reserved.error();
    }
    Result<http::ClientResponse> response = transport_.send(request);
    if (!response.ok()) {
      if (releaseUse) releaseUse();
      record(method, "error");
      return response;
    }
    record(method, std::to_string(response->status));
    if (response->status != 429) return response;
    if (releaseUse) releaseUse();
    const std::chrono::seconds wait = retryAfter(*response);
    if (attempt >= kMaxRetriesOn429) {
      Error e = Error::make(ErrorKind::kRateLimited,
                            "Slack is rate limiting patbot; try again in a minute",
                            method + ": HTTP 429 after " + std::to_string(kMaxRetriesOn429) + " retries");
      e.httpStatus = 429;
      e.retryAfter = wait;
      return e;
    }
    spdlog::warn("slack {}: rate limited, retrying in {} s", method, wait.count());
    clock_.sleepFor(wait);
  }
}

uint64_t SlackNotifier::responseUrlKey(std::string_view url) {
  // FNV-1a over the bytes, then MurmurHash3's 64-bit finaliser so every bit of the URL reaches
  // every bit of the key. Not keyed: response_urls are minted by Slack and arrive in signed
  // requests, so nobody can choose URLs that collide (and a collision only refuses a reply).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : url) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

size_t SlackNotifier::trackedResponseUrls() const {
  std::lock_guard lock(mutex_);
  return responseUrlUses_.size();
}

// Forgets the URLs first used more than 30 minutes ago: O(1) amortised, each entry is pushed and
// popped once. Entries are pushed in clock order; should the clock step back, a younger entry
// ahead of an older one only delays the older one's pruning until the younger one's turn.
void SlackNotifier::pruneResponseUrlsLocked(TimePoint now) {
  while (!responseUrlFirstUses_.empty() && now - responseUrlFirstUses_.front().at > kResponseUrlLifetime) {
    responseUrlUses_.erase(responseUrlFirstUses_.front().key);
    responseUrlFirstUses_.pop_front();
  }
}

Status SlackNotifier::reserveResponseUrlUse(const std::string& url) {
  const uint64_t key = responseUrlKey(url);
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.now();
  pruneResponseUrlsLocked(now);
  auto [it, inserted] = responseUrlUses_.try_emplace(key, 0);
  if (inserted) {
    try {
      responseUrlFirstUses_.push_back({key, now});
    } catch (...) {
      responseUrlUses_.erase(it);  // keep the map and the deque one-to-one
      throw;
    }
  }
  if (it->second >= kMaxUsesPerResponseUrl) {
    return Error::make(ErrorKind::kConflict, "this Slack response URL has been used 5 times",
                       "response_url at " + urlHost(url) + " used up");
  }
  ++it->second;
  return okStatus();
}

void SlackNotifier::releaseResponseUrlUse(const std::string& url) {
  const uint64_t key = responseUrlKey(url);
  std::lock_guard lock(mutex_);
  auto it = responseUrlUses_.find(key);
  if (it != responseUrlUses_.end() && it->second > 0) --it->second;
}

Status SlackNotifier::respond(const std::string& responseUrl, const Message& message) {
  const std::string host = urlHost(responseUrl);
  const auto parsed = http::parseUrl(responseUrl);
  if (!parsed || !isAllowedScheme(parsed->scheme, parsed->host)) {
    // The URL is a credential for the conversation: never sent in clear, logged by host only.
    Error e = Error::make(ErrorKind::kProtocol, "not replying to " + (host.empty() ? "an unreadable address" : host) +
                                                    ": a Slack response URL must be https://",
                          "respond to " + host + ": refused, not https");
    spdlog::warn("slack {}", e.detail);
    return e;
  }
  http::ClientRequest request;
  request.method = "POST";
  request.url = responseUrl;
  request.headers["Content-Type"] = "application/json";
  request.body = dump(message.toResponseJson());
  request.deadline = kRequestDeadline;

  Result<http::ClientResponse> response = sendWithRetry(
      "respond", request, [&] { return reserveResponseUrlUse(responseUrl); },
      [&] { releaseResponseUrlUse(responseUrl); });
  if (!response.ok()) {
    Error e = response.error();
    if (e.kind != ErrorKind::kConflict && e.kind != ErrorKind::kRateLimited) {
      // The transport's text may quote the URL, which is a credential.
      e.detail = "respond to " + host + ": " + errorKindName(e.kind);
      e.message = "could not reach Slack at " + host;
    }
    spdlog::warn("slack respond to {} failed: {}", host, e.detail);
    return e;
  }
  if (response->status < 200 || response->status > 299) {
    Error e = Error::make(ErrorKind::kUnavailable,
                          "Slack refused the reply (HTTP " + std::to_string(response->status) + " from " + host + ")",
                          "respond to " + host + ": HTTP " + std::to_string(response->status) + " " +
                              utf8::clip(response->body, kMaxDetailBody));
    e.httpStatus = response->status;
    spdlog::warn("slack {}", e.detail);
    return e;
  }
  return okStatus();
}

void SlackNotifier::waitForChannelSlot(const std::string& channel) {
  std::chrono::nanoseconds wait{0};
  {
    std::lock_guard lock(mutex_);
    const TimePoint now = clock_.now();
    auto it = nextChannelSlot_.find(channel);
    const TimePoint slot = it == nextChannelSlot_.end() ? now : std::max(now, it->second);
    nextChannelSlot_[channel] = slot + kChannelInterval;
    wait = slot - now;
  }
  if (wait > std::chrono::nanoseconds::zero()) {
    clock_.sleepFor(std::chrono::ceil<std::chrono::milliseconds>(wait));
  }
}

Result<json> SlackNotifier::callApi(const std::string& method, const json& body,
                                    const std::string& channel) {
  if (botToken_.empty()) {
    return Error::make(ErrorKind::kConfig, "SLACK_BOT_TOKEN is not set",
                       method + " needs a bot token");
  }
  http::ClientRequest request;
  request.method = "POST";
  request.url = apiBaseUrl_ + "/" + method;
  request.headers["Authorization"] = "Bearer " + botToken_.reveal();
  request.headers["Content-Type"] = "application/json; charset=utf-8";
  request.body = dump(body);
  request.deadline = kRequestDeadline;

  Result<http::ClientResponse> response = sendWithRetry(method, request, {}, {});
  if (!response.ok()) {
    Error e = response.error();
    if (e.kind != ErrorKind::kRateLimited) {
      std::string detail = method + ": " + errorKindName(e.kind) + ": " + e.message;
      if (!e.detail.empty()) detail += " (" + e.detail + ")";
      e.message = "could not reach the Slack API";
      e.detail = std::move(detail);
    }
    e.message = scrub(e.message);
    e.detail = scrub(e.detail);
    spdlog::warn("slack {}", e.detail);
    return e;
  }
  const int status = response->status;
  if (status != 200) {
    Error e = Error::make(status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kProtocol,
                          "the Slack API answered HTTP " + std::to_string(status),
                          scrub(method + ": HTTP " + std::to_string(status) + " " +
                                utf8::clip(response->body, kMaxDetailBody)));
    e.httpStatus = status;
    spdlog::warn("slack {}", e.detail);
    return e;
  }
  json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
    Error e = Error::make(ErrorKind::kProtocol, "the Slack API answered something patbot cannot read",
                          scrub(method + ": " + utf8::clip(response->body, kMaxDetailBody)));
    e.httpStatus = status;
    return e;
  }
  if (!answer["ok"].get<bool>()) {
    const std::string code =
        answer.contains("error") && answer["error"].is_string() ? answer["error"].get<std::string>() : "";
    ApiErrorAdvice advice = adviceFor(code, channel);
    Error e = Error::make(advice.kind, scrub(advice.message), scrub(method + ": " + code));
    e.httpStatus = status;
    spdlog::warn("slack {}", e.detail);
    return e;
  }
  return answer;
}

Result<PostedMessage> SlackNotifier::post(const std::string& channel, const Message& message) {
  if (botToken_.empty()) {
    return Error::make(ErrorKind::kConfig, "SLACK_BOT_TOKEN is not set", "chat.postMessage needs a bot token");
  }
  waitForChannelSlot(channel);
  json body = messageBody(message);
  body["channel"] = channel;
  Result<json> answer = callApi("chat.postMessage", body, channel);
  if (!answer.ok()) return answer.error();
  PostedMessage posted;
  posted.channel = answer->contains("channel") && (*answer)["channel"].is_string()
                       ? (*answer)["channel"].get<std::string>()
                       : channel;
  if (answer->contains("ts") && (*answer)["ts"].is_string()) posted.ts = (*answer)["ts"].get<std::string>();
  if (posted.ts.empty()) {
    return Error::make(ErrorKind::kProtocol, "the Slack API did not say which message it posted",
                       "chat.postMessage: ok without ts");
  }
  return posted;
}

Status SlackNotifier::update(const PostedMessage& where, const Message& message) {
  json body = messageBody(message);
  body["channel"] = where.channel;
  body["ts"] = where.ts;
  Result<json> answer = callApi("chat.update", body, where.channel);
  if (!answer.ok()) return answer.error();
  return okStatus();
}

}  // namespace patbot::slack
