#include "handlers/pat_rotate_handler.h"

#include <fmt/format.h>

#include "handlers/option_number.h"
#include "slack/block_kit.h"

namespace patbot::handlers {

Result<RotateArgs> parseRotateArgs(const std::vector<std::string>& args) {
  RotateArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--dry-run") out.dryRun = true;
    else if (a == "--immediate") out.immediate = true;
    else if (a == "--yes") out.yes = true;
    else if (a == "--reveal") out.reveal = true;
    else if (a == "--strategy") {
      if (i + 1 >= args.size() || !parseStrategy(args[i + 1])) {
        return Error::make(ErrorKind::kInvalidInput, "--strategy takes \"rotate\" or \"replace\"");
      }
      out.strategy = parseStrategy(args[++i]);
    } else if (a == "--expires-in") {
      auto days = numberAfterOption(args, i, 1, 365, "a number of days", "1 to 365 days");
      if (!days) return days.error();
      out.expiresInDays = *days;
    } else if (a.rfind("--", 0) == 0) {
      return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    } else if (!out.token.empty()) {
      return Error::make(ErrorKind::kInvalidInput,
                         fmt::format("one TOKEN please, got \"{}\" and \"{}\" (quote a name with spaces)", out.token, a));
    } else {
      out.token = a;
    }
  }
  if (out.token.empty()) return Error::make(ErrorKind::kInvalidInput, fmt::format("which token? Give {}", kTokenForms));
  return out;
}

Result<Prepared> PatRotateHandler::prepare(const CommandRequest& request) {
  auto args = parseRotateArgs(request.args);
  if (!args) return args.error();
  Prepared p;
  p.target = args->token;
  p.lane = Lane::kLong;   // confirmed, the rotation itself runs here and may wait on a pipeline
  p.ack = slack::textMessage(args->dryRun ? ":mag: Checking the rotation plan (dry run)…"
                                          : ":hourglass_flowing_sand: Preparing the rotation plan…");
  std::string key = request.triggerId.empty() ? request.requestId : "trigger:" + request.triggerId;
  p.work = [this, a = *args, confirmed = request.confirmed, actor = request.actor, key,
            channel = request.channelId, url = request.responseUrl] {
    return ops_.planOrRun(a, confirmed, actor, key, channel, url);
  };
  return p;
}

}  // namespace patbot::handlers
