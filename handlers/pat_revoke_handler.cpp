#include "handlers/pat_revoke_handler.h"

#include <fmt/format.h>

#include "slack/block_kit.h"

namespace patbot::handlers {

Result<Prepared> PatRevokeHandler::prepare(const CommandRequest& request) {
  std::string token;
  for (const auto& a : request.args) {
    if (a == "--yes") continue;   // the dispatcher reads it (CommandRequest::confirmed)
    if (a.rfind("--", 0) == 0) return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    if (!token.empty()) return Error::make(ErrorKind::kInvalidInput, "one TOKEN please (quote a name with spaces)");
    token = a;
  }
  if (token.empty()) return Error::make(ErrorKind::kInvalidInput, fmt::format("which token? Give {}", kTokenForms));
  Prepared p;
  p.target = token;
  p.ack = slack::textMessage(":hourglass_flowing_sand: Looking up the token…");
  p.work = [this, token, confirmed = request.confirmed, actor = request.actor, channel = request.channelId] {
    return confirmed ? ops_.runRevoke(token, actor, channel) : ops_.askToRevoke(token, actor, channel);
  };
  return p;
}

}  // namespace patbot::handlers
