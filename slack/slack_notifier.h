// SlackNotifier: the Notifier over Slack's HTTP APIs (reference/slack-api.md §3, §4): response_url
// POSTs, chat.postMessage and chat.update with the bot token.
//
// Thread-safe; the transport, clock and metrics registry must outlive it. Calls block (HTTP and
// Clock::sleepFor), so never call them on an HTTP server handler thread. Error messages are
// safe to show a Slack user: they never contain the bot token, and name a response_url only by
// its host.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/secret.h"
#include "http/http_types.h"
#include "slack/notifier.h"

namespace patbot::slack {

class SlackNotifier final : public Notifier {
 public:
  static constexpr int kMaxUsesPerResponseUrl = 5;
  static constexpr std::chrono::minutes kResponseUrlLifetime{30};
  static constexpr int kMaxRetriesOn429 = 3;
  static constexpr std::chrono::seconds kDefaultRetryAfter{1};
  static constexpr std::chrono::seconds kMaxRetryAfter{30};
  static constexpr std::chrono::seconds kChannelInterval{1};

  // apiBaseUrl without a trailing slash, e.g. "https://slack.com/api". botToken may be empty
  // (then post/update fail with kConfig). metrics may be null. Waits (429, pacing) sleep on `clock`.
  SlackNotifier(http::Transport& transport, std::string apiBaseUrl, Secret botToken,
                const Clock& clock, MetricsRegistry* metrics);

  // POST msg.toResponseJson() as application/json. At most 5 uses per URL within 30 minutes of
  // its first use (a use is an attempt that reached Slack with a status other than 429); the 6th
  // call fails with kConflict without sending. After 30 minutes the URL's count is forgotten
  // (Slack has expired the URL by then). 429: sleep Retry-After (default 1 s, at most 30 s) and
  // retry up to 3 times, then kRateLimited. Other non-2xx: kUnavailable with httpStatus.
  // Transport failure: its kind, not retried (a retry could show the message twice).
  // A response_url that is not https:// (plain http:// only to a loopback host) or not a URL at
  // all is not posted to: kProtocol, logged by host only.
  Status respond(const std::string& responseUrl, const Message& message) override;

  // chat.postMessage {channel, text, blocks}. At most one message per second per channel: waits
  // (Clock::sleepFor) for the channel's next slot. ok:false → kUnauthorized (not_authed, invalid_auth,
  // token_revoked, account_inactive), kNotFound (channel_not_found, not_in_channel, is_archived),
  // kProtocol (others), with a message saying what to do. 429 handled as in respond().
  Result<PostedMessage> post(const std::string& channel, const Message& message) override;

  // chat.update {channel, ts, text, blocks}; errors as post(). Not paced (a progress message is
  // updated once per step).
  Status update(const PostedMessage& where, const Message& message) override;

  // How many response_urls' uses are being counted (those first used in the last 30 minutes).
  size_t trackedResponseUrls() const;

 private:
  // When a response_url was first used; responseUrlFirstUses_ holds one per responseUrlUses_
  // entry, oldest first, so pruning pops from its front.
  struct FirstUse {
    uint64_t key;
    TimePoint at;
  };

  // Sends with the 429 policy. `reserveUse` runs before each attempt and may refuse it;
  // `releaseUse` runs after an attempt that did not count as a use. Both may be empty.
  Result<http::ClientResponse> sendWithRetry(const std::string& method,
                                             const http::ClientRequest& request,
                                             const std::function<Status()>& reserveUse,
                                             const std::function<void()>& releaseUse);
  // The key under which a response_url's uses are counted: a 64-bit hash of the whole URL.
  static uint64_t responseUrlKey(std::string_view url);
  Status reserveResponseUrlUse(const std::string& url);
  void releaseResponseUrlUse(const std::string& url);
  void pruneResponseUrlsLocked(TimePoint now);
  Result<nlohmann::json> callApi(const std::string& method, const nlohmann::json& body,
                                 const std::string& channel);
  void waitForChannelSlot(const std::string& channel);
  void record(const std::string& method, const std::string& status);
  std::string scrub(std::string text) const;

  http::Transport& transport_;
  std::string apiBaseUrl_;
  Secret botToken_;
  const Clock& clock_;
  MetricsRegistry* metrics_;

  mutable std::mutex mutex_;
  // Uses per response_url, keyed by responseUrlKey(url) rather than by the URL (a credential; a
  // std::map keyed by the URL cost 192 heap bytes per 80-character URL, this ~58 with the deque
  // entry), kept 30 minutes: at most 30 min × the rate of replies through new response_urls.
  // Two URLs whose keys collide share one count: patbot then refuses one of them early
  // (kConflict before sending; every caller of respond() logs it and drops that reply), but
  // never sends a 6th use of any URL. With 64 bits the chance of any collision among even
  // 100,000 live URLs is about 3e-10.
  std::unordered_map<uint64_t, int> responseUrlUses_;
  std::deque<FirstUse> responseUrlFirstUses_;
  std::map<std::string, TimePoint> nextChannelSlot_;  // one entry per channel posted to
};

// "host[:port]" of an absolute URL ("" when there is none): the only part of a response_url
// that may be logged.
std::string urlHost(std::string_view url);

}  // namespace patbot::slack
