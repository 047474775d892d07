#include "tests/support/recording_notifier.h"

#include <fmt/format.h>

namespace patbot::testing {

Status RecordingNotifier::respond(const std::string& responseUrl, const slack::Message& message) {
  std::lock_guard lock(mutex_);
  responses_.push_back({responseUrl, message});
  return okStatus();
}

Result<slack::PostedMessage> RecordingNotifier::post(const std::string& channel, const slack::Message& message) {
  std::lock_guard lock(mutex_);
  if (postError_) return *postError_;
  posts_.push_back({channel, message});
  return slack::PostedMessage{channel, fmt::format("1700000000.{:06}", posts_.size())};
}

Status RecordingNotifier::update(const slack::PostedMessage& posted, const slack::Message& message) {
  std::lock_guard lock(mutex_);
  updates_.push_back({posted.channel, message});
  return okStatus();
}

void RecordingNotifier::failPosts(std::optional<Error> error) {
  std::lock_guard lock(mutex_);
  postError_ = std::move(error);
}

std::vector<RecordingNotifier::Sent> RecordingNotifier::responses() const {
  std::lock_guard lock(mutex_);
  return responses_;
}

std::vector<RecordingNotifier::Sent> RecordingNotifier::posts() const {
  std::lock_guard lock(mutex_);
  return posts_;
}

std::vector<RecordingNotifier::Sent> RecordingNotifier::updates() const {
  std::lock_guard lock(mutex_);
  return updates_;
}

}  // namespace patbot::testing
