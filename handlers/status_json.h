// A status row as `patbot scan --json` prints it, for scripts: one object per token with
// "account" (the service account's username, or the project's / group's full path), "kind"
// ("personal", "project", "group"), "token_name", "token_id", "scopes", "state", "expires_at"
// (YYYY-MM-DD or null), "days_left" (null when it never expires), "last_used_at" (RFC 3339 or
// null) and "access_level" (a project or group token's role, 10 … 50; null for a personal token).
#pragma once

#include <nlohmann/json.hpp>

#include "handlers/status_table.h"

namespace patbot::handlers {

nlohmann::json statusRowJson(const StatusRow& row);

}  // namespace patbot::handlers
