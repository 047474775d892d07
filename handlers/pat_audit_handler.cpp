#include "handlers/pat_audit_handler.h"

#include <algorithm>

#include <fmt/format.h>

#include "handlers/option_number.h"
#include "slack/block_kit.h"

namespace patbot::handlers {

Result<storage::AuditQuery> parseAuditArgs(const std::vector<std::string>& args) {
  storage::AuditQuery q;
  q.limit = 20;
  bool haveFilter = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--limit") {
      auto limit = numberAfterOption(args, i, 1, 200, "a number from 1 to 200", "a number from 1 to 200");
      if (!limit) return limit.error();
      q.limit = *limit;
    } else if (a.rfind("--", 0) == 0) {
      return Error::make(ErrorKind::kInvalidInput, fmt::format("unknown option \"{}\"", a));
    } else if (haveFilter) {
      return Error::make(ErrorKind::kInvalidInput, "give one TOKEN or one @user");
    } else {
      haveFilter = true;
      if (a.rfind("<@", 0) == 0 && a.back() == '>') {
        q.actor = a.substr(2, a.find_first_of("|>") - 2);   // <@U123|alice> -> U123
      } else if (a[0] == '@') {
        q.actor = a.substr(1);
      } else if (a.size() < 19 && std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        q.tokenId = std::stoll(a);   // a token id: also the rotation rows that name it in detail
      } else {
        q.target = a;
      }
    }
  }
  return q;
}

Result<Prepared> PatAuditHandler::prepare(const CommandRequest& request) {
  auto query = parseAuditArgs(request.args);
  if (!query) return query.error();
  // Reading SQLite's index is fast enough to answer inside the ack.
  auto rows = audit_.latest(*query);
  Prepared p;
  if (!rows) {
    p.ack = slack::errorReply(":x: Could not read the audit trail:", rows.error().message);
    return p;
  }
  if (rows->empty()) {
    p.ack = slack::textMessage("No audit entries match.");
    return p;
  }
  slack::Table table;
  table.columns = {"time (UTC)", "#", "actor", "action", "target", "outcome"};
  table.maxWidths = {0, 0, 16, 28, 40, 12};
  for (const auto& e : *rows) {
    table.rows.push_back({e.ts.substr(0, 19), std::to_string(e.id), e.record.actor, e.record.action,
                          e.record.target.empty() ? "-" : e.record.target, e.record.outcome});
  }
  auto messages = slack::tableMessages("Audit trail", fmt::format("{} latest audit entries", rows->size()), table,
                                       {"Newest first · `patbot audit verify` checks the hash chain"}, true);
  p.ack = messages.front();
  return p;
}

}  // namespace patbot::handlers
