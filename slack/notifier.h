// Notifier: how patbot speaks in Slack after the 3-second ack.
#pragma once

#include <string>

#include "core/result.h"
#include "slack/message.h"

namespace patbot::slack {

struct PostedMessage {
  std::string channel;
  std::string ts;        // Slack's message id, for chat.update
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // POSTs to a slash command's or interaction's response_url (each URL at most 5 times).
  virtual Status respond(const std::string& responseUrl, const Message& message) = 0;
  // chat.postMessage with the bot token; Error when no bot token is configured.
  virtual Result<PostedMessage> post(const std::string& channel, const Message& message) = 0;
  // chat.update of a message posted earlier.
  virtual Status update(const PostedMessage& where, const Message& message) = 0;
};

}  // namespace patbot::slack
