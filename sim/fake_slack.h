// FakeSlack: a simulated Slack for tests and `patbot demo`, behaving as reference/slack-api.md
// says. It serves the Web API (chat.postMessage, chat.update, auth.test), response_url
// webhooks, and control routes under /_fake/ that make it send signed slash commands and button
// clicks to the bot through an http::Transport:
//
//   POST /api/chat.postMessage, /api/chat.update   Bearer bot token; JSON or form bodies
//   POST /api/auth.test                            token check
//   POST /commands/<id>                            a minted response_url (5 uses, 30 minutes)
//   POST /_fake/slash   {"text","user_id","user_name","channel_id","command","timestamp_offset_s",
//                        "signature":"valid|bad|missing|missing_signature|missing_timestamp|
//                        uppercase|v1|tampered","trigger_id","channel_name","ssl_check"}
//   POST /_fake/click   {"user_id","channel_id","action_id","value","message_ts","response_url",
//                        "block_id", plus the signature fields of /_fake/slash}
//        both answer {"status","content_type","body","elapsed_ms","response_url","trigger_id",
//                     "timestamp","error": "operation_timeout"|"dispatch_failed"|null}
//   GET  /_fake/messages[?since=SEQ]   every message received, in order
//   GET  /_fake/calls                  every Web API call: method, status, error (never a token)
//   GET  /_fake/history?channel=C&ts=T every version of one posted message
//   POST /_fake/fault   {"post_fail":"ratelimited"|"invalid_auth"|"down","count":N,"method":M}
//                       the next N Web API calls (of method M only, when given) fail: 429 with
//                       Retry-After: 1 and ok:false ratelimited, 200 ok:false invalid_auth, or 503
//   POST /_fake/schedule {"schedule":[{"via":"response_url"|M,"occurrence":K,"action":
//                        "down"|"ratelimited"|"expired"|"invalid_auth"}]} the K-th call through
//                       `via` after this fails (fake_slack_state.h); GET shows seen/fired
//   POST /_fake/reset   forget everything
//
// Time (response_url expiry, rate limits, ts, request timestamps) comes from the Clock.
// Thread-safety: handle() and the setters may be called from many threads at once; the
// Transport is used without holding the internal lock, so the bot may post to a response_url
// while the command that minted it is still waiting for its acknowledgement.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/http_types.h"

namespace patbot::fakes {

struct FakeSlackState;

struct FakeSlackOptions {
  std::string signingSecret;       // signs outgoing requests; never logged or returned
  std::string botToken;            // the only token the Web API accepts; never logged or returned
  std::string selfBaseUrl;         // e.g. http://127.0.0.1:PORT, prefix of minted response_urls
  std::string botCommandsUrl;      // e.g. http://127.0.0.1:8080/slack/commands
  std::string botInteractionsUrl;  // e.g. http://127.0.0.1:8080/slack/interactions
  std::vector<std::string> channels{"C0PATBOT01", "C0OPS00001"};   // the bot is a member
  std::vector<std::string> channelsWithoutBot{"C0NOTIN001"};       // exist, bot not a member
  std::string teamId = "T0PATBOT1";
};

class FakeSlack {
 public:
  // `clock` and `transport` must outlive this object.
  FakeSlack(FakeSlackOptions options, const Clock& clock, http::Transport& transport);
  ~FakeSlack();
  FakeSlack(const FakeSlack&) = delete;
  FakeSlack& operator=(const FakeSlack&) = delete;

  // Answers one request. Never throws; unknown routes get 404, wrong methods 405.
  http::Response handle(const http::Request& request);

  void setSelfBaseUrl(std::string url);
  void setBotUrls(std::string commandsUrl, std::string interactionsUrl);

 private:
  std::unique_ptr<FakeSlackState> state_;
};

}  // namespace patbot::fakes
