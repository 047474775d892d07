// A slack::Notifier that records every reply and post (thread-safe) and answers ok.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slack/notifier.h"

namespace patbot {

class RecordingNotifier final : public slack::Notifier {
 public:
  Status respond(const std::string& url, const slack::Message& m) override {
    std::lock_guard lock(mutex_);
    responses.push_back({url, m});
    return okStatus();
  }
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& m) override {
    std::lock_guard lock(mutex_);
    if (postFails) return *postFails;
    posts.push_back({channel, m});
    return slack::PostedMessage{channel, "1.000001"};
  }
  Status update(const slack::PostedMessage&, const slack::Message&) override { return okStatus(); }

  std::mutex mutex_;
  std::vector<std::pair<std::string, slack::Message>> responses;
  std::vector<std::pair<std::string, slack::Message>> posts;
  std::optional<Error> postFails;   // e.g. no bot token
};

}  // namespace patbot
