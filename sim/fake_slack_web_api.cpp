// The Web API (/api/<method>) and response_url (/commands/<id>) halves of FakeSlack.
#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/lower_case.h"
#include "sim/fake_slack_blocks.h"
#include "sim/fake_slack_state.h"
#include "sim/fake_slack_wire.h"
#include "sim/fake_socket_mode.h"
#include "sim/fake_socket_wire.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr double kBurst = 3.0;            // chat.postMessage: burst per channel
constexpr double kRefillPerSecond = 1.0;  // chat.postMessage: sustained rate per channel
constexpr auto kResponseUrlLifetime = std::chrono::minutes(30);
constexpr int kResponseUrlUses = 5;
constexpr const char* kBotUserId = "U0PATBOTBOT";
constexpr const char* kBotId = "B0PATBOT01";

// The outcome of one Web API call, before it becomes an HTTP response and a /_fake/calls row.
struct Outcome {
  int status = 200;
  json body;
  std::optional<std::string> error;  // Slack error code, nullopt on ok:true
  http::Headers extraHeaders;
};

Outcome fail(std::string code, int status = 200, int retryAfter = 1) {
  Outcome o;
  o.status = status;
  o.body = {{"ok", false}, {"error", code}};
  o.error = std::move(code);
  if (status == 429) o.extraHeaders["retry-after"] = std::to_string(retryAfter);
  return o;
}

// The body parsed into an object; blocks given as a JSON string are parsed. `formToken` is the
// token form field, removed from the parameters. nullopt + code when the body is unusable.
struct Params {
  json fields = json::object();
  std::optional<std::string> formToken;
  std::optional<std::string> parseError;
  std::optional<std::string> warning;
};

Params parseParams(const http::Request& req) {
  Params p;
  const std::string* ct = req.header("content-type");
  std::string type = ct ? lowerCase(*ct) : "";
  if (type.rfind("application/json", 0) == 0) {
    if (type.find("charset") == std::string::npos) p.warning = "missing_charset";
    auto body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) {
      p.parseError = "invalid_json";
      return p;
    }
    body.erase("token");
    p.fields = std::move(body);
  } else if (type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.empty()) {
    for (auto& [k, v] : formDecode(req.body)) {
      if (k == "token") {
        p.formToken = v;
      } else if (!p.fields.contains(k)) {
        p.fields[k] = v;
      }
    }
  } else {
    p.parseError = "invalid_post_type";
    return p;
  }
  if (p.fields.contains("blocks") && p.fields["blocks"].is_string()) {
    auto parsed = json::parse(p.fields["blocks"].get<std::string>(), nullptr, false);
    if (parsed.is_discarded()) {
      p.parseError = "invalid_blocks_format";
      return p;
    }
    p.fields["blocks"] = std::move(parsed);
  }
  return p;
}

std::string stringField(const json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : "";
}

// Checks the text/blocks content shared by chat.postMessage, chat.update and response_url.
std::optional<Outcome> checkContent(const json& fields, int failStatus = 200) {
  bool hasBlocks = fields.contains("blocks") && !fields["blocks"].is_null();
  if (hasBlocks) {
    if (!fields["blocks"].is_array()) return fail("invalid_blocks_format", failStatus);
    if (auto problem = validateBlocks(fields["blocks"])) {
      Outcome o = fail("invalid_blocks", failStatus);
      o.body["response_metadata"] = {{"messages", {"[ERROR] " + *problem}}};
      return o;
    }
  }
  bool hasText = !stringField(fields, "text").empty();
  if (!hasText && !(hasBlocks && !fields["blocks"].empty())) return fail("no_text", failStatus);
  return std::nullopt;
}

bool takeRateToken(FakeSlackState& s, const std::string& channel) {
  auto now = s.clock.now();
  auto [it, fresh] = s.buckets.try_emplace(channel, RateBucket{kBurst, now});
  RateBucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) b.tokens = std::min(kBurst, b.tokens + elapsed * kRefillPerSecond);
  if (now > b.last) b.last = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

json storedMessage(const FakeSlackState& s, const json& fields, const std::string& ts) {
  json m = {{"type", "message"}, {"user", kBotUserId}, {"bot_id", kBotId}, {"app_id", kFakeAppId},
            {"text", stringField(fields, "text")}, {"ts", ts}, {"team", s.options.teamId}};
  if (fields.contains("blocks")) m["blocks"] = fields["blocks"];
  if (fields.contains("thread_ts")) m["thread_ts"] = fields["thread_ts"];
  return m;
}

Outcome channelCheck(const FakeSlackState& s, const std::string& channel) {
  const auto& without = s.options.channelsWithoutBot;
  if (std::find(without.begin(), without.end(), channel) != without.end()) return fail("not_in_channel");
  const auto& with = s.options.channels;
  if (channel.empty() || std::find(with.begin(), with.end(), channel) == with.end()) return fail("channel_not_found");
  return Outcome{};
}

Outcome postMessage(FakeSlackState& s, const json& fields) {
  std::string channel = stringField(fields, "channel");
  if (auto o = channelCheck(s, channel); o.error) return o;
  if (auto o = checkContent(fields)) return *o;
  if (!takeRateToken(s, channel)) return fail("ratelimited", 429);
  std::string ts = s.mintTsLocked();
  json message = storedMessage(s, fields, ts);
  s.posted[{channel, ts}].push_back(message);
  s.recordMessageLocked("chat.postMessage", channel, ts, nullptr, nullptr, fields);
  Outcome o;
  o.body = {{"ok", true}, {"channel", channel}, {"ts", ts}, {"message", message}};
  return o;
}

Outcome chatUpdate(FakeSlackState& s, const json& fields) {
  std::string channel = stringField(fields, "channel");
  if (auto o = channelCheck(s, channel); o.error) return o;
  std::string ts = stringField(fields, "ts");
  auto it = s.posted.find({channel, ts});
  if (it == s.posted.end()) return fail("message_not_found");
  if (auto o = checkContent(fields)) return *o;
  json message = storedMessage(s, fields, ts);
  message["edited"] = {{"user", kBotUserId}, {"ts", s.mintTsLocked()}};
  it->second.push_back(message);
  s.recordMessageLocked("chat.update", channel, ts, nullptr, nullptr, fields);
  Outcome o;
  o.body = {{"ok", true}, {"channel", channel}, {"ts", ts}, {"text", message["text"]}, {"message", message}};
  return o;
}

Outcome authTest(const FakeSlackState& s) {
  Outcome o;
  o.body = {{"ok", true},          {"url", "https://patbot-fake.slack.com/"}, {"team", "patbot-fake"},
            {"user", "patbot"},    {"team_id", s.options.teamId},             {"user_id", kBotUserId},
            {"bot_id", kBotId},    {"is_enterprise_install", false}};
  return o;
}

// A fault's answer: "ratelimited" (429 with Retry-After), "down" (503), or an HTTP 200 ok:false
// with the mode as the error ("invalid_auth", "account_inactive", "not_authed").
Outcome faultOutcome(const std::string& mode, int retryAfter) {
  if (mode == "ratelimited") return fail("ratelimited", 429, retryAfter);
  if (mode == "down") {
    Outcome o;
    o.status = 503;
    o.error = "service_unavailable";
    return o;
  }
  return fail(mode);
}

// The token of the Authorization header ("Bearer T", or the bare value).
std::optional<std::string> headerToken(const http::Request& req) {
  const std::string* auth = req.header("authorization");
  if (!auth) return std::nullopt;
  if (lowerCase(auth->substr(0, 7)) == "bearer ") return auth->substr(7);
  return *auth;
}

// apps.connections.open: the app-level token, in the header only (reference/slack-socket-mode.md
// §1); any other token, the bot's included, is invalid_auth.
Outcome connectionsOpen(FakeSlackState& s, const http::Request& req) {
  auto token = headerToken(req);
  if (!token || token->empty()) return fail("not_authed");
  if (s.options.appToken.empty() || *token != s.options.appToken || !s.socket) return fail("invalid_auth");
  Outcome o;
  o.body = {{"ok", true}, {"url", s.socket->mintConnectionUrl()}};
  return o;
}

Outcome dispatch(FakeSlackState& s, const http::Request& req, const std::string& method) {
  if (method == "apps.connections.open") return connectionsOpen(s, req);
  bool known = method == "chat.postMessage" || method == "chat.update" || method == "auth.test";
  if (!known) return fail("unknown_method");
  Params p = parseParams(req);
  std::optional<std::string> token = headerToken(req);
  if (!token && p.formToken) token = p.formToken;
  if (!token || token->empty()) return fail("not_authed");
  if (*token != s.options.botToken) return fail("invalid_auth");
  if (p.parseError) return fail(*p.parseError);
  Outcome o;
  if (method == "auth.test") {
    o = authTest(s);
  } else if (method == "chat.postMessage") {
    o = postMessage(s, p.fields);
  } else {
    o = chatUpdate(s, p.fields);
  }
  if (p.warning && !o.error) {
    o.body["warning"] = *p.warning;
    o.body["response_metadata"] = {{"warnings", {*p.warning}}};
  }
  return o;
}

}  // namespace

std::optional<SlackScheduledFault> FakeSlackState::takeScheduledLocked(const std::string& via) {
  std::optional<SlackScheduledFault> fired;
  for (auto& e : schedule) {
    if (e.via != via) continue;
    if (++e.seen == e.occurrence && !fired) {
      e.fired = true;
      fired = e;
    }
  }
  return fired;
}

http::Response setSchedule(FakeSlackState& s, const http::Request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return slackJsonResponse(400, {{"error", "body must be a JSON object"}});
  std::vector<SlackScheduledFault> schedule;
  static const std::vector<std::string> kActions{"down",         "ratelimited",      "expired",
                                                 "invalid_auth", "account_inactive", "not_authed"};
  for (const auto& e : body.value("schedule", json::array())) {
    SlackScheduledFault f;
    if (!e.is_object() || !e.value("via", json()).is_string() || !e.value("action", json()).is_string()) {
      return slackJsonResponse(400, {{"error", "each entry needs via and action"}});
    }
    f.via = e["via"].get<std::string>();
    f.action = e["action"].get<std::string>();
    f.occurrence = e.value("occurrence", json(1)).is_number_integer() ? e.value("occurrence", 1) : 0;
    f.retryAfter = e.value("retry_after", json(1)).is_number_integer() ? e.value("retry_after", 1) : -1;
    if (std::find(kActions.begin(), kActions.end(), f.action) == kActions.end() || f.occurrence < 1 ||
        f.retryAfter < 0) {
      return slackJsonResponse(400, {{"error", "action must be down, ratelimited, expired, invalid_auth, "
                                               "account_inactive or not_authed; occurrence 1 or more; "
                                               "retry_after a non-negative integer"}});
    }
    schedule.push_back(std::move(f));
  }
  {
    std::lock_guard lock(s.mu);
    s.schedule = std::move(schedule);
  }
  return getSchedule(s);
}

http::Response getSchedule(FakeSlackState& s) {
  std::lock_guard lock(s.mu);
  json out = json::array();
  for (const auto& e : s.schedule) {
    json entry = {{"via", e.via}, {"occurrence", e.occurrence}, {"action", e.action}, {"seen", e.seen},
                  {"fired", e.fired}};
    if (e.action == "ratelimited") entry["retry_after"] = e.retryAfter;
    out.push_back(std::move(entry));
  }
  return slackJsonResponse(200, {{"schedule", out}});
}

http::Response webApi(FakeSlackState& s, const http::Request& req, const std::string& method) {
  if (req.method != "POST") return textResponse(405, "method_not_allowed");
  std::lock_guard lock(s.mu);
  Outcome o;
  if (auto scheduled = s.takeScheduledLocked(method)) {
    o = faultOutcome(scheduled->action == "expired" ? "invalid_auth" : scheduled->action, scheduled->retryAfter);
  } else if (s.faultRemaining > 0 && (s.faultMethod.empty() || s.faultMethod == method)) {
    --s.faultRemaining;
    o = faultOutcome(s.faultMode, s.faultRetryAfter);
  } else {
    o = dispatch(s, req, method);
  }
  json call = {{"seq", s.nextCallSeq++},
               {"method", method},
               {"status", o.status},
               {"error", o.error ? json(*o.error) : json(nullptr)},
               {"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.clock.now().time_since_epoch()).count()}};
  if (o.body.is_object() && o.body.contains("channel")) call["channel"] = o.body["channel"];
  if (o.body.is_object() && o.body.contains("ts")) call["ts"] = o.body["ts"];
  s.calls.push_back(std::move(call));
  http::Response r = o.status == 503 ? textResponse(503, "service_unavailable") : slackJsonResponse(o.status, o.body);
  for (const auto& [k, v] : o.extraHeaders) r.headers[k] = v;
  return r;
}

http::Response responseUrl(FakeSlackState& s, const http::Request& req, const std::string& id) {
  std::lock_guard lock(s.mu);
  auto it = s.urls.find(id);
  if (it == s.urls.end()) return textResponse(404, "no_service");
  MintedUrl& minted = it->second;
  if (auto scheduled = s.takeScheduledLocked("response_url")) {
    if (scheduled->action == "down") return textResponse(503, "service_unavailable");
    if (scheduled->action == "ratelimited") {
      http::Response r = textResponse(429, "rate_limited");
      r.headers["retry-after"] = std::to_string(scheduled->retryAfter);
      return r;
    }
    return textResponse(404, "expired_url");
  }
  if (s.clock.now() - minted.minted > kResponseUrlLifetime) return textResponse(404, "expired_url");
  if (minted.uses >= kResponseUrlUses) return textResponse(404, "used_url");
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return textResponse(400, "invalid_payload");
  if (body.contains("blocks") && body["blocks"].is_string()) {
    auto parsed = json::parse(body["blocks"].get<std::string>(), nullptr, false);
    if (parsed.is_discarded()) return textResponse(400, "invalid_blocks");
    body["blocks"] = std::move(parsed);
  }
  bool deleteOriginal = body.value("delete_original", json(false)) == json(true) ||
                        body.value("delete_original", json(false)) == json("true");
  bool replaceOriginal = body.value("replace_original", json(false)) == json(true) ||
                         body.value("replace_original", json(false)) == json("true");
  if (!deleteOriginal) {
    if (auto o = checkContent(body, 400)) return textResponse(400, *o->error);
  }
  ++minted.uses;
  std::string responseType = body.value("response_type", json("ephemeral")).is_string()
                                 ? body.value("response_type", std::string("ephemeral"))
                                 : std::string("ephemeral");
  json extra = {{"response_type", responseType},
                {"replace_original", replaceOriginal},
                {"delete_original", deleteOriginal},
                {"use", minted.uses}};
  s.recordMessageLocked("response_url", minted.channelId, nullptr, minted.url, minted.userId, body, extra);
  return textResponse(200, "ok");
}

}  // namespace patbot::fakes
