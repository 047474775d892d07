// How the expiry watcher's digest looks in Slack: one message (or as few as Block Kit's per-message
// caps allow) listing every token that newly crossed a warning threshold, each with a Rotate
// button. Pure functions of their inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "gitlab/gitlab_types.h"
#include "slack/message.h"

namespace patbot::handlers {

struct DigestEntry {
  std::string account;           // the service account's username, or the project's / group's full path
  std::string tokenName;
  int64_t tokenId = 0;
  Date expiresAt;
  int daysLeft = 0;              // negative once expired (days from 00:00 UTC)
  bool noReplacement = false;    // expired, and no active token of the same name on the same owner
  std::string issueLabel;        // "sec/team#263" ("" = no tracking issue)
  std::string issueUrl;          // link for issueLabel ("" = none known)
  gitlab::TokenKind kind = gitlab::TokenKind::kPersonal;   // whose token: a service account, project or group
};

// Set when the figures come from an older snapshot because the latest scan failed.
struct DigestStaleness {
  TimePoint dataTakenAt;
  std::string reason;            // the scan error, a sentence safe to show
};

// "expires in 7 days (2026-03-08)", "expires tomorrow (…)", "expired today", "expired yesterday",
// "expired 3 days ago".
std::string expiryPhrase(int daysLeft, Date expiresAt);

// One mrkdwn line: "`account / name` (id 101) expired yesterday (2026-02-28) *(no replacement)* —
// tracking issue <url|sec/team#263>"; a project or group token is "`project sec/app · name` (id 7) …"
// (handlers/token_naming.h tokenLabel). Names, paths, the issue label and url are escaped
// (slack::codeSpan, slack::link); so are they in the messages' `text` and the staleness reason.
std::string digestLine(const DigestEntry& entry);

// The digest: header "N service account tokens need attention" when every entry is a personal
// token, else "N tokens need attention" ("1 … needs"), a warning when `stale` is set,
// then one section per entry with a Rotate button (kDigestRotateAction of rotation_messages.h,
// value = the token id), split into several messages only when one
// would exceed slack::kMaxBlocksPerMessage blocks or `maxMessageChars` characters of text.
// Messages are not ephemeral; every entry appears exactly once; empty `entries` gives none.
std::vector<slack::Message> digestMessages(const std::vector<DigestEntry>& entries,
                                           const std::optional<DigestStaleness>& stale,
                                           std::size_t maxMessageChars = 12000);

}  // namespace patbot::handlers
