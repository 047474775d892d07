#include "handlers/expiry_digest.h"

#include <algorithm>

#include <fmt/format.h>

#include "handlers/rotation_messages.h"
#include "handlers/token_naming.h"
#include "slack/block_kit.h"

namespace patbot::handlers {
namespace {

std::string title(const std::vector<DigestEntry>& entries) {
  const bool personal = std::all_of(entries.begin(), entries.end(),
                                    [](const DigestEntry& e) { return e.kind == gitlab::TokenKind::kPersonal; });
  const std::size_t n = entries.size();
  const char* what = personal ? "service account token" : "token";
  return n == 1 ? fmt::format("1 {} needs attention", what) : fmt::format("{} {}s need attention", n, what);
}

std::string staleText(const DigestStaleness& s) {
  auto when = formatTimestamp(s.dataTakenAt);
  return fmt::format(":warning: GitLab could not be read ({}); this digest uses the last complete scan, "
                     "from {} {} UTC, and may be stale.",
                     slack::escapeText(s.reason), when.substr(0, 10), when.substr(11, 5));
}

nlohmann::json entryBlock(const DigestEntry& e) {
  nlohmann::json block = slack::section(digestLine(e));
  block["accessory"] = slack::button("Rotate", kDigestRotateAction, std::to_string(e.tokenId));
  return block;
}

std::size_t blockChars(const nlohmann::json& block) { return block.dump().size(); }

}  // namespace

std::string expiryPhrase(int daysLeft, Date expiresAt) {
  const std::string date = formatDate(expiresAt);
  if (daysLeft > 1) return fmt::format("expires in {} days ({})", daysLeft, date);
  if (daysLeft == 1) return fmt::format("expires tomorrow ({})", date);
  if (daysLeft == 0) return fmt::format("expired today ({})", date);
  if (daysLeft == -1) return fmt::format("expired yesterday ({})", date);
  return fmt::format("expired {} days ago ({})", -daysLeft, date);
}

std::string digestLine(const DigestEntry& e) {
  std::string line = fmt::format("{} (id {}) {}", slack::codeSpan(tokenLabel(e.kind, e.account, e.tokenName)),
                                 e.tokenId, expiryPhrase(e.daysLeft, e.expiresAt));
  if (e.noReplacement) line += " *(no replacement)*";
  if (!e.issueLabel.empty()) {
    line += " — tracking issue ";
    line += e.issueUrl.empty() ? slack::escapeText(e.issueLabel) : slack::link(e.issueUrl, e.issueLabel);
  }
  return line;
}

std::vector<slack::Message> digestMessages(const std::vector<DigestEntry>& entries,
                                           const std::optional<DigestStaleness>& stale, std::size_t maxMessageChars) {
  std::vector<slack::Message> out;
  if (entries.empty()) return out;
  const std::string heading = title(entries);

  std::string summary = heading + ":";
  for (std::size_t i = 0; i < entries.size() && summary.size() < 2500; ++i) {
    const auto& e = entries[i];
    summary += fmt::format("{} {} {}", i == 0 ? "" : ";",
                           slack::escapeText(tokenLabel(e.kind, e.account, e.tokenName)),
                           expiryPhrase(e.daysLeft, e.expiresAt));
  }

  slack::Message current;
  std::size_t chars = 0;
  auto startMessage = [&] {
    current = slack::Message{};
    current.ephemeral = false;
    chars = 0;
  };
  auto add = [&](nlohmann::json block) {
    chars += blockChars(block);
    current.blocks.push_back(std::move(block));
  };
  startMessage();
  add(slack::header(heading));
  if (stale) add(slack::context({staleText(*stale)}));
  for (const auto& e : entries) {
    nlohmann::json block = entryBlock(e);
    bool full = current.blocks.size() + 1 > slack::kMaxBlocksPerMessage || chars + blockChars(block) > maxMessageChars;
    if (full && !current.blocks.empty() && current.blocks.back()["type"] == "section") {
      out.push_back(std::move(current));
      startMessage();
    }
    add(std::move(block));
  }
  out.push_back(std::move(current));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].text = i == 0 ? summary : fmt::format("{} (part {} of {})", heading, i + 1, out.size());
  }
  return out;
}

}  // namespace patbot::handlers
