// How status rows look to people: the Slack table messages and the CLI's plain table.
#pragma once

#include <string>
#include <vector>

#include "handlers/status_table.h"
#include "slack/block_kit.h"
#include "slack/message.h"

namespace patbot::handlers {

// "14 tokens on 5 service accounts: 1 expired, 2 expiring within 30 days"
std::string statusSummary(const StatusCounts& counts, int expiringWindowDays);

// Columns: account, token, id, scopes, expires, days left, last used, state.
slack::Table statusTable(const std::vector<StatusRow>& rows);

// The table as Slack messages (split to respect Block Kit limits), posted in the channel.
std::vector<slack::Message> statusMessages(const std::vector<StatusRow>& rows, int expiringWindowDays,
                                           const std::vector<std::string>& footer);

// The same table as plain fixed-width text for a terminal (header, separator, rows). Cells are
// one line (CR, LF, tab as spaces) and carry no control characters (slack::neutralizeControls).
std::string statusText(const std::vector<StatusRow>& rows);

}  // namespace patbot::handlers
