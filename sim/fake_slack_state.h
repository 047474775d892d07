// Internal to FakeSlack: its state and the pieces of handle() that live in separate files.
// Every member below `mu` is guarded by it; functions named *Locked need it held.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fake_slack.h"
#include "sim/fake_slack_wire.h"

namespace patbot::fakes {

struct MintedUrl {
  std::string url;        // the full URL handed to the bot
  std::string userId;     // who the command or click was sent as
  std::string channelId;
  TimePoint minted;
  int uses = 0;
};

// One scheduled failure (POST /_fake/schedule): the `occurrence`-th call (1-based, counted from
// when the schedule was set) through `via` fails with `action`. `via` is "response_url" (a post to
// any minted response_url) or a Web API method ("chat.postMessage", "chat.update"). Actions:
// "down" (503), "ratelimited" (429, Retry-After: 1), "expired" (response_url: 404 expired_url),
// "invalid_auth", "account_inactive", "not_authed" (Web API: 200 ok:false). A failed
// response_url post does not count as a use. `retryAfter`: the Retry-After of "ratelimited".
struct SlackScheduledFault {
  std::string via;
  int occurrence = 1;
  std::string action;
  int retryAfter = 1;
  int seen = 0;
  bool fired = false;
};

struct RateBucket {
  double tokens = 0;
  TimePoint last;
};

class FakeSocketMode;

struct FakeSlackState {
  // Both out of line (fake_slack.cpp), where FakeSocketMode is complete.
  FakeSlackState(FakeSlackOptions o, const Clock& c, http::Transport& t);
  ~FakeSlackState();

  FakeSlackOptions options;  // base URLs guarded by mu; the rest is immutable
  const Clock& clock;
  http::Transport& transport;
  // Socket Mode (fake_socket_mode.h): set when options.appToken is, for the object's lifetime.
  // Thread-safe on its own; never call into it with `mu` held except through the *Locked
  // functions (its lock is always taken after `mu`, never before).
  std::unique_ptr<FakeSocketMode> socket;

  std::mutex mu;
  std::mt19937_64 rng;
  int64_t nextSeq = 1;
  int64_t nextCallSeq = 1;
  int64_t lastTsMicros = 0;
  nlohmann::json messages = nlohmann::json::array();
  nlohmann::json calls = nlohmann::json::array();
  std::map<std::string, MintedUrl> urls;                                        // by path id
  std::map<std::string, RateBucket> buckets;                                    // by channel
  std::map<std::pair<std::string, std::string>, std::vector<nlohmann::json>> posted;  // (channel, ts)
  std::map<std::string, std::string> userNames;                                 // user id -> name
  std::string faultMode;
  int faultRemaining = 0;
  std::string faultMethod;     // "" = every Web API method
  int faultRetryAfter = 1;     // Retry-After seconds of a "ratelimited" fault
  std::vector<SlackScheduledFault> schedule;

  // The schedule entry this call (through `via`) is the chosen occurrence of.
  std::optional<SlackScheduledFault> takeScheduledLocked(const std::string& via);

  std::string mintTsLocked();
  std::string randomCharsLocked(size_t n, const char* alphabet);
  std::string mintTriggerIdLocked();
  // Returns the full URL; the path id is registered for /commands/<id>.
  std::string mintResponseUrlLocked(const std::string& userId, const std::string& channelId);
  void recordMessageLocked(const std::string& via, const std::string& channel, nlohmann::json ts,
                           nlohmann::json responseUrl, nlohmann::json userId, nlohmann::json message,
                           nlohmann::json extra = nlohmann::json::object());
  void resetLocked();
};

// Channel display name for a channel id ("C0PATBOT01" -> "patbot", DMs -> "directmessage").
std::string channelNameFor(const std::string& channelId);

// The sender half (fake_slack_sender.cpp): POST /_fake/slash and /_fake/click, over HTTP or,
// when Socket Mode is on and a connection is open, as envelopes (deliverOverSocket).
http::Response sendSlash(FakeSlackState& state, const http::Request& request);
http::Response sendClick(FakeSlackState& state, const http::Request& request);

// A slash command as Slack builds it from the fields of a /_fake/slash body (`req`): the form
// fields of the HTTP request, which are also the Socket Mode payload's. Mints its response_url
// (and trigger_id unless `req` has one).
struct BuiltSlash {
  std::string responseUrl;
  std::string triggerId;
  FormFields fields;
};
BuiltSlash buildSlashLocked(FakeSlackState& state, const nlohmann::json& req, const std::string& userId,
                            const std::string& channelId);
// The same fields as a JSON object (the slash_commands envelope's payload), as JSON text.
std::string slashPayloadJson(const FormFields& fields);

// A block_actions click as Slack builds it from a /_fake/click body: the object sent as the
// HTTP payload= field and as the interactive envelope's payload.
struct BuiltClick {
  std::string responseUrl;
  std::string triggerId;
  nlohmann::ordered_json payload;
};
BuiltClick buildClickLocked(FakeSlackState& state, const nlohmann::json& req, const std::string& userId,
                            const std::string& channelId);

// Socket Mode (fake_socket_routes.cpp). deliverOverSocket: nullopt when Socket Mode is off or no
// connection is open (the caller then sends over HTTP); otherwise the report of /_fake/slash and
// /_fake/click. Call without `mu`.
std::optional<http::Response> deliverOverSocket(FakeSlackState& state, const nlohmann::json& req,
                                                const std::string& type, std::string payloadJson,
                                                bool acceptsResponsePayload, const std::string& responseUrl,
                                                const std::string& triggerId, const std::string& timestamp);
// Every /_fake/socket/* route. Call without `mu`.
http::Response socketControl(FakeSlackState& state, const http::Request& request);

// POST /_fake/schedule {"schedule":[{"via","occurrence","action"}]} replaces the schedule; GET
// shows it with "seen" and "fired" per entry.
http::Response setSchedule(FakeSlackState& state, const http::Request& request);
http::Response getSchedule(FakeSlackState& state);

// The Web API half (fake_slack_web_api.cpp): /api/<method> and /commands/<id>.
http::Response webApi(FakeSlackState& state, const http::Request& request, const std::string& method);
http::Response responseUrl(FakeSlackState& state, const http::Request& request, const std::string& id);

// Response helpers shared by the halves.
http::Response slackJsonResponse(int status, const nlohmann::json& body);
http::Response textResponse(int status, std::string body);

}  // namespace patbot::fakes
