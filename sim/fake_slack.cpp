#include "sim/fake_slack.h"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "core/lower_case.h"
#include "sim/fake_slack_state.h"
#include "sim/fake_slack_wire.h"
#include "sim/fake_socket_mode.h"
#include "sim/fake_socket_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr const char* kDigits = "0123456789";
constexpr const char* kHex = "0123456789abcdef";
constexpr const char* kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

http::Response listMessages(FakeSlackState& s, const http::Request& req) {
  int64_t since = 0;
  std::string sinceText = formValue(formDecode(req.query), "since");
  if (!sinceText.empty()) {
    try {
      since = std::stoll(sinceText);
    } catch (const std::exception&) {
      return slackJsonResponse(400, {{"error", "since must be an integer"}});
    }
  }
  std::lock_guard lock(s.mu);
  json out = json::array();
  for (const auto& m : s.messages) {
    if (m["seq"].get<int64_t>() > since) out.push_back(m);
  }
  return slackJsonResponse(200, out);
}

http::Response history(FakeSlackState& s, const http::Request& req) {
  auto q = formDecode(req.query);
  std::lock_guard lock(s.mu);
  auto it = s.posted.find({formValue(q, "channel"), formValue(q, "ts")});
  if (it == s.posted.end()) return slackJsonResponse(404, {{"error", "message_not_found"}});
  return slackJsonResponse(200, it->second);
}

http::Response setFault(FakeSlackState& s, const http::Request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return slackJsonResponse(400, {{"error", "body must be a JSON object"}});
  std::string mode = body.value("post_fail", json()).is_string() ? body["post_fail"].get<std::string>() : "";
  json countValue = body.value("count", json(1));
  int count = countValue.is_number_integer() ? countValue.get<int>() : -1;
  static const char* kModes[] = {"ratelimited", "invalid_auth", "account_inactive", "not_authed", "down", "none", ""};
  if (std::none_of(std::begin(kModes), std::end(kModes), [&](const char* m) { return mode == m; })) {
    return slackJsonResponse(400, {{"error", "post_fail must be ratelimited, invalid_auth, account_inactive, "
                                             "not_authed, down or none"}});
  }
  if (count < 0) return slackJsonResponse(400, {{"error", "count must be a non-negative integer"}});
  json retryAfterValue = body.value("retry_after", json(1));
  int retryAfter = retryAfterValue.is_number_integer() ? retryAfterValue.get<int>() : -1;
  if (retryAfter < 0) return slackJsonResponse(400, {{"error", "retry_after must be a non-negative integer"}});
  json methodValue = body.value("method", json(""));
  if (!methodValue.is_string()) return slackJsonResponse(400, {{"error", "method must be a Web API method name"}});
  std::lock_guard lock(s.mu);
  s.faultMode = mode == "none" ? "" : mode;
  s.faultRemaining = s.faultMode.empty() ? 0 : count;
  s.faultMethod = methodValue.get<std::string>();
  s.faultRetryAfter = retryAfter;
  return slackJsonResponse(200, {{"ok", true}, {"post_fail", s.faultMode}, {"count", s.faultRemaining},
                                 {"method", s.faultMethod}, {"retry_after", s.faultRetryAfter}});
}

http::Response route(FakeSlackState& s, const http::Request& req) {
  const std::string& p = req.path;
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  if (p.rfind("/api/", 0) == 0) return webApi(s, req, p.substr(5));
  if (p.rfind("/commands/", 0) == 0) {
    if (!post) return textResponse(405, "method_not_allowed");
    return responseUrl(s, req, p.substr(10));
  }
  if (p.rfind("/_fake/socket/", 0) == 0) return socketControl(s, req);
  struct Control {
    const char* path;
    const char* method;
  };
  static constexpr Control kControls[] = {{"/_fake/slash", "POST"},   {"/_fake/click", "POST"},
                                          {"/_fake/messages", "GET"}, {"/_fake/calls", "GET"},
                                          {"/_fake/history", "GET"},  {"/_fake/fault", "POST"},
                                          {"/_fake/reset", "POST"},   {"/_fake/health", "GET"},
                                          {"/_fake/schedule", "POST"}, {"/_fake/schedule", "GET"}};
  auto control = std::find_if(std::begin(kControls), std::end(kControls),
                              [&](const Control& c) { return p == c.path && req.method == c.method; });
  if (control == std::end(kControls)) {
    bool known = std::any_of(std::begin(kControls), std::end(kControls), [&](const Control& c) { return p == c.path; });
    return known ? textResponse(405, "method_not_allowed") : textResponse(404, "not_found");
  }
  if (p == "/_fake/schedule") return post ? setSchedule(s, req) : getSchedule(s);
  if (post && p == "/_fake/slash") return sendSlash(s, req);
  if (post && p == "/_fake/click") return sendClick(s, req);
  if (get && p == "/_fake/messages") return listMessages(s, req);
  if (get && p == "/_fake/history") return history(s, req);
  if (post && p == "/_fake/fault") return setFault(s, req);
  if (get && p == "/_fake/calls") {
    std::lock_guard lock(s.mu);
    return slackJsonResponse(200, s.calls);
  }
  if (post && p == "/_fake/reset") {
    std::lock_guard lock(s.mu);
    s.resetLocked();
    return slackJsonResponse(200, {{"ok", true}});
  }
  return textResponse(200, "ok");
}

}  // namespace

http::Response slackJsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers["content-type"] = "application/json; charset=utf-8";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response textResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers["content-type"] = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

std::string channelNameFor(const std::string& channelId) {
  if (channelId == "C0PATBOT01") return "patbot";
  if (channelId == "C0OPS00001") return "ops";
  if (!channelId.empty() && channelId[0] == 'D') return "directmessage";
  if (!channelId.empty() && channelId[0] == 'G') return "privategroup";
  return lowerCase(channelId);
}

std::string FakeSlackState::mintTsLocked() {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(clock.now().time_since_epoch()).count();
  if (micros <= lastTsMicros) micros = lastTsMicros + 1;
  lastTsMicros = micros;
  return fmt::format("{}.{:06}", micros / 1000000, micros % 1000000);
}

std::string FakeSlackState::randomCharsLocked(size_t n, const char* alphabet) {
  std::string_view a(alphabet);
  std::uniform_int_distribution<size_t> pick(0, a.size() - 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += a[pick(rng)];
  return out;
}

std::string FakeSlackState::mintTriggerIdLocked() {
  return randomCharsLocked(12, kDigits) + "." + randomCharsLocked(11, kDigits) + "." + randomCharsLocked(32, kHex);
}

std::string FakeSlackState::mintResponseUrlLocked(const std::string& userId, const std::string& channelId) {
  std::string id;
  do {
    id = options.teamId + "/" + randomCharsLocked(12, kDigits) + "/" + randomCharsLocked(24, kAlnum);
  } while (urls.count(id) != 0);
  MintedUrl m;
  m.url = options.selfBaseUrl + "/commands/" + id;
  m.userId = userId;
  m.channelId = channelId;
  m.minted = clock.now();
  urls[id] = m;
  return m.url;
}

void FakeSlackState::recordMessageLocked(const std::string& via, const std::string& channel, json ts,
                                         json responseUrlValue, json userId, json message, json extra) {
  json entry = {{"seq", nextSeq++},
                {"via", via},
                {"channel", channel},
                {"ts", std::move(ts)},
                {"response_url", std::move(responseUrlValue)},
                {"user_id", std::move(userId)},
                {"message", std::move(message)}};
  for (auto& [k, v] : extra.items()) entry[k] = v;
  messages.push_back(std::move(entry));
}

void FakeSlackState::resetLocked() {
  nextSeq = 1;
  nextCallSeq = 1;
  messages = json::array();
  calls = json::array();
  urls.clear();
  buckets.clear();
  posted.clear();
  userNames.clear();
  faultMode.clear();
  faultRemaining = 0;
  faultMethod.clear();
  faultRetryAfter = 1;
  schedule.clear();
  if (socket) socket->reset();
}

FakeSlackState::FakeSlackState(FakeSlackOptions o, const Clock& c, http::Transport& t)
    : options(std::move(o)), clock(c), transport(t), rng(std::random_device{}()) {}

FakeSlackState::~FakeSlackState() = default;

FakeSlack::FakeSlack(FakeSlackOptions options, const Clock& clock, http::Transport& transport)
    : state_(std::make_unique<FakeSlackState>(std::move(options), clock, transport)) {
  const FakeSlackOptions& o = state_->options;
  if (!o.appToken.empty()) {
    state_->socket = std::make_unique<FakeSocketMode>(SocketModeOptions{o.socketHost, o.socketPort, kFakeAppId}, clock);
  }
}

FakeSlack::~FakeSlack() = default;

uint16_t FakeSlack::socketPort() const { return state_->socket ? state_->socket->port() : 0; }

http::Response FakeSlack::handle(const http::Request& request) {
  try {
    return route(*state_, request);
  } catch (const std::exception& e) {
    return textResponse(500, fmt::format("fake_slack internal error: {}", e.what()));
  }
}

void FakeSlack::setSelfBaseUrl(std::string url) {
  std::lock_guard lock(state_->mu);
  while (!url.empty() && url.back() == '/') url.pop_back();
  state_->options.selfBaseUrl = std::move(url);
}

void FakeSlack::setBotUrls(std::string commandsUrl, std::string interactionsUrl) {
  std::lock_guard lock(state_->mu);
  state_->options.botCommandsUrl = std::move(commandsUrl);
  state_->options.botInteractionsUrl = std::move(interactionsUrl);
}

}  // namespace patbot::fakes
