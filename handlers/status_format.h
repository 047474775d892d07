// How status rows look to people: the Slack table messages and the CLI's plain table.
#pragma once

#include <string>
#include <vector>

#include "handlers/status_table.h"
#include "slack/block_kit.h"
#include "slack/message.h"

namespace patbot::handlers {

// "14 tokens on 5 service accounts: 1 expired, 2 expiring within 30 days"; with project or group
// tokens only the kinds present: "14 tokens on 5 service accounts, 2 projects and 1 group: …",
// "3 tokens on 1 project: all fine". No rows: "0 tokens on 0 service accounts".
std::string statusSummary(const StatusCounts& counts, int expiringWindowDays);

// Columns: account, token, id, scopes, expires, days left, last used, state. A personal token's
// row names its service account ("inventory-bot"); a project or group token's names the kind and
// the full path ("project sec/app"), and the first column is then headed "owner" (clipped at 40
// code points instead of 24). Scopes are comma-separated, and a project or group token adds its
// role: "api · Maintainer" (in Slack the scopes are clipped first, so that the role shows).
slack::Table statusTable(const std::vector<StatusRow>& rows);

// The table as Slack messages (split to respect Block Kit limits), posted in the channel: titled
// "GitLab service-account tokens" when every row is a personal token, else "GitLab access tokens";
// "No tokens match." when there is no row.
std::vector<slack::Message> statusMessages(const std::vector<StatusRow>& rows, int expiringWindowDays,
                                           const std::vector<std::string>& footer);

// The same table as plain fixed-width text for a terminal (header, separator, rows), cells never
// clipped. Cells are one line (CR, LF, tab as spaces) and carry no control characters (slack::neutralizeControls).
std::string statusText(const std::vector<StatusRow>& rows);

}  // namespace patbot::handlers
