// RecordingNotifier: a slack::Notifier that sends nothing. It writes down every reply, post and
// update it is asked for, in order, and answers ok; posts fail with a given Error while
// failPosts() is in force (as without a bot token), and are then not written down. Thread-safe:
// one mutex guards the record, and the accessors return copies.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "slack/notifier.h"

namespace patbot::testing {

class RecordingNotifier final : public slack::Notifier {
 public:
  struct Sent {
    std::string to;            // the response_url, or the channel posted to or updated in
    slack::Message message;
  };

  Status respond(const std::string& responseUrl, const slack::Message& message) override;
  // Answers ts "1700000000.00000N", N counting the posts that succeeded.
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& message) override;
  Status update(const slack::PostedMessage& posted, const slack::Message& message) override;

  // Every later post fails with `error` (nullopt: posts succeed again).
  void failPosts(std::optional<Error> error);

  std::vector<Sent> responses() const;
  std::vector<Sent> posts() const;
  std::vector<Sent> updates() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Sent> responses_;
  std::vector<Sent> posts_;
  std::vector<Sent> updates_;
  std::optional<Error> postError_;
};

}  // namespace patbot::testing
