// FakeSlack: a simulated Slack for tests and `patbot demo`, behaving as reference/slack-api.md
// (and, for Socket Mode, reference/slack-socket-mode.md) says. It serves the Web API
// (chat.postMessage, chat.update, auth.test, apps.connections.open), response_url webhooks, and
// control routes under /_fake/ that make it send signed slash commands and button clicks to the
// bot through an http::Transport (or, in Socket Mode, as envelopes over a WebSocket):
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
//   POST /_fake/fault   {"post_fail":"ratelimited"|"invalid_auth"|"account_inactive"|"not_authed"|
//                        "down","count":N,"method":M,"retry_after":S}
//                       the next N Web API calls (of method M only, when given) fail: 429 with
//                       Retry-After: S (default 1) and ok:false ratelimited, 200 ok:false with the
//                       mode as error, or 503
//   POST /_fake/schedule {"schedule":[{"via":"response_url"|M,"occurrence":K,"action":
//                        "down"|"ratelimited"|"expired"|"invalid_auth"|"account_inactive"|
//                        "not_authed","retry_after":S}]} the K-th call through `via` after this
//                       fails (fake_slack_state.h); GET shows seen/fired
//   POST /_fake/reset   forget everything (Socket Mode too: its connections are closed, 1001)
//
// Socket Mode (reference/slack-socket-mode.md; on when options.appToken is set; sim/fake_socket_mode.h):
//   POST /api/apps.connections.open    Authorization: Bearer <appToken> (header only) ->
//        {"ok":true,"url":"ws://HOST:WSPORT/link/?ticket=T&app_id=A"}; none: not_authed; any other
//        token (the bot's too): invalid_auth. A ticket opens one connection (else the upgrade is
//        refused 401). Each connection gets hello at once and a ping every ping_interval_ms.
//   While a connection is open, /_fake/slash and /_fake/click go over the socket as
//   slash_commands / interactive envelopes (signature fields ignored, ssl_check stays HTTP); extra
//   fields "connection": ID, "duplicate": true (also on a second connection), "retries": K and
//   "retry_always": true (redeliveries with retry_attempt 1..K, retry_reason "timeout"). Their
//   report: status 200 when acked within 3 s (else 0), content_type "application/json", body =
//   the ack's payload as JSON text ("" without), error "operation_timeout" | "dispatch_failed"
//   (no usable connection) | null, plus "envelope_id", "connection", "attempts".
//   GET  /_fake/socket/connections  {"connections":[{id,state,opened_at_ms,closed_at_ms,closed_by,
//                        close_code,hello_sent,silent,pings_sent,pongs_received,pings_received,
//                        envelopes_sent,acks_received,disconnect_reason}],"open","refused_upgrades",
//                        "ping_interval_ms"}
//   POST /_fake/socket/disconnect {"connection":ID|"all","reason":"warning"|"refresh_requested"|
//                        "too_many_websockets"|"link_disabled","close_after_ms":M} the frame, then the
//                        server closes (1000) after M ms unless the client did (defaults 10000, 3000,
//                        0, 0); 409 for a closed or silent connection
//   POST /_fake/socket/silence {"connection":ID}   half-open: no reading (no pongs), no sending
//   POST /_fake/socket/abort   {"connection":ID}   TCP close without a close frame
//   POST /_fake/socket/envelope {"type","payload","envelope_id","accepts_response_payload",
//                        "retry_attempt","retry_reason","connection","raw", + duplicate/retries}
//                        sends it (raw: that text verbatim) and answers the report above
//   GET  /_fake/socket/acks   {"acks":[{envelope_id,connection,retry_attempt,sent_at_ms,acked_at_ms,
//                        latency_ms,payload}],"unacked":[...],"other_messages":[...],"bursts":[...]}
//   POST /_fake/socket/burst {"count":N,"in_flight":W,"text","user_id","channel_id","connection",
//                        "timeout_ms"} -> {"sent","acked","elapsed_ms","acks_per_s","p50_ms",
//                        "p90_ms","p99_ms","max_ms","timed_out","connections"}
//   GET|POST /_fake/socket/settings {"ping_interval_ms":N}  (0 = no pings)
//
// Time (response_url expiry, rate limits, ts, request timestamps) comes from the Clock; Socket
// Mode's latencies, pings and ack deadlines use the real steady clock.
// Thread-safety: handle() and the setters may be called from many threads at once; the
// Transport is used without holding the internal lock, so the bot may post to a response_url
// while the command that minted it is still waiting for its acknowledgement.
#pragma once

#include <cstdint>
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
  // Socket Mode: the app-level token (xapp-…) apps.connections.open accepts; never logged or
  // returned. Empty = Socket Mode off (no WebSocket server; /_fake/socket/* answer 400).
  std::string appToken;
  std::string socketHost = "127.0.0.1";  // where the WebSocket server binds
  uint16_t socketPort = 0;               // 0 = any free port (see socketPort())
};

class FakeSlack {
 public:
  // `clock` and `transport` must outlive this object. With options.appToken set, starts the
  // Socket Mode WebSocket server (its own I/O thread and a timer thread) and throws
  // std::runtime_error when it cannot bind.
  FakeSlack(FakeSlackOptions options, const Clock& clock, http::Transport& transport);
  ~FakeSlack();
  FakeSlack(const FakeSlack&) = delete;
  FakeSlack& operator=(const FakeSlack&) = delete;

  // Answers one request. Never throws; unknown routes get 404, wrong methods 405.
  http::Response handle(const http::Request& request);

  void setSelfBaseUrl(std::string url);
  // The WebSocket server's port; 0 when Socket Mode is off.
  uint16_t socketPort() const;
  void setBotUrls(std::string commandsUrl, std::string interactionsUrl);

 private:
  std::unique_ptr<FakeSlackState> state_;
};

}  // namespace patbot::fakes
