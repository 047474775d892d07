#include <algorithm>

#include "slack/block_kit.h"
#include "slack/utf8.h"

namespace patbot::slack {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLine = 990;            // three lines always fit one section
constexpr std::string_view kColumnGap = "  ";
constexpr std::string_view kFenceOpen = "```\n";
constexpr std::string_view kFenceClose = "\n```";

std::string flatten(std::string_view cell) {
  std::string out(cell);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

// Slack length of raw[i, i+n) once escaped by escapeText ("`" becomes one code point).
std::size_t escapedCost(std::string_view s, std::size_t i, std::size_t n) {
  if (n == 1) {
    if (s[i] == '&') return 5;
    if (s[i] == '<' || s[i] == '>') return 4;
  }
  return n == 4 ? 2 : 1;
}

// escapeText(raw), clipped with "…" so that its Slack length is at most maxLength.
std::string escapeClipped(std::string_view raw, std::size_t maxLength) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8::sequenceLength(raw, i);
    total += escapedCost(raw, i, n);
    i += n;
  }
  if (total <= maxLength) return escapeText(raw);
  std::size_t cost = 0;
  std::size_t end = 0;
  while (end < raw.size()) {
    const std::size_t n = utf8::sequenceLength(raw, end);
    const std::size_t c = escapedCost(raw, end, n);
    if (cost + c + 1 > maxLength) break;
    cost += c;
    end += n;
  }
  return escapeText(raw.substr(0, end)) + std::string(utf8::kEllipsis);
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class TableLayout {
 public:
  explicit TableLayout(const Table& table) : table_(table) {
    std::size_t columns = table.columns.size();
    for (const auto& row : table.rows) columns = std::max(columns, row.size());
    widths_.assign(columns, 0);
    for (std::size_t c = 0; c < columns; ++c) {
      widths_[c] = utf8::codePoints(cell(table.columns, c));
      for (const auto& row : table.rows) widths_[c] = std::max(widths_[c], utf8::codePoints(cell(row, c)));
    }
  }

  std::string line(const std::vector<std::string>& cells) const {
    std::string out;
    for (std::size_t c = 0; c < widths_.size(); ++c) {
      if (c > 0) out += kColumnGap;
      const std::string text = cell(cells, c);
      out += text;
      out.append(widths_[c] - utf8::codePoints(text), ' ');
    }
    return escapeClipped(rtrim(std::move(out)), kMaxLine);
  }

  std::string separator() const {
    std::string out;
    for (std::size_t c = 0; c < widths_.size(); ++c) {
      if (c > 0) out += kColumnGap;
      out.append(std::max<std::size_t>(widths_[c], 1), '-');
    }
    return escapeClipped(out, kMaxLine);
  }

 private:
  std::string cell(const std::vector<std::string>& cells, std::size_t c) const {
    if (c >= cells.size()) return {};
    std::string text = flatten(cells[c]);
    const std::size_t limit = c < table_.maxWidths.size() ? table_.maxWidths[c] : 0;
    return limit > 0 ? utf8::clipCodePoints(text, limit) : text;
  }

  const Table& table_;
  std::vector<std::size_t> widths_;
};

// The table as code-block section texts of at most kMaxSectionText each.
std::vector<std::string> tableSections(const Table& table) {
  const TableLayout layout(table);
  const std::string head = layout.line(table.columns) + "\n" + layout.separator();
  const std::size_t overhead = kFenceOpen.size() + kFenceClose.size();
  const std::size_t headLength = utf8::slackLength(head);

  std::vector<std::string> sections;
  std::string body = head;
  std::size_t length = headLength;
  bool hasRows = false;
  for (const auto& row : table.rows) {
    const std::string text = layout.line(row);
    const std::size_t rowLength = utf8::slackLength(text) + 1;
    if (hasRows && overhead + length + rowLength > kMaxSectionText) {
      sections.push_back(std::string(kFenceOpen) + body + std::string(kFenceClose));
      body = head;
      length = headLength;
    }
    body += "\n" + text;
    length += rowLength;
    hasRows = true;
  }
  sections.push_back(std::string(kFenceOpen) + body + std::string(kFenceClose));
  return sections;
}

struct Draft {
  json blocks = json::array();
  std::size_t chars = 0;
};

}  // namespace

std::vector<Message> tableMessages(const std::string& title, const std::string& summary,
                                   const Table& table, const std::vector<std::string>& footer,
                                   bool ephemeral, std::size_t maxMessageChars) {
  std::vector<Draft> drafts(1);
  drafts.back().blocks.push_back(header(title));
  drafts.back().chars += utf8::slackLength(title);
  if (!summary.empty()) {
    drafts.back().blocks.push_back(section(summary));
    drafts.back().chars += std::min(utf8::slackLength(summary), kMaxSectionText);
  }

  // Starts a new message when the block would break the block or size limit of a non-empty one.
  auto add = [&drafts, maxMessageChars](json block, std::size_t chars) {
    const Draft& d = drafts.back();
    if (!d.blocks.empty() &&
        (d.blocks.size() + 1 > kMaxBlocksPerMessage || d.chars + chars > maxMessageChars)) {
      drafts.emplace_back();
    }
    drafts.back().blocks.push_back(std::move(block));
    drafts.back().chars += chars;
  };

  for (const std::string& text : tableSections(table)) add(section(text), utf8::slackLength(text));

  for (std::size_t i = 0; i < footer.size(); i += kMaxContextElements) {
    const std::size_t end = std::min(footer.size(), i + kMaxContextElements);
    std::vector<std::string> lines(footer.begin() + static_cast<std::ptrdiff_t>(i),
                                   footer.begin() + static_cast<std::ptrdiff_t>(end));
    std::size_t chars = 0;
    for (const auto& l : lines) chars += std::min(utf8::slackLength(l), std::size_t{3000});
    add(context(lines), chars);
  }

  const std::string fallback = summary.empty() ? title : summary;
  std::vector<Message> messages;
  messages.reserve(drafts.size());
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    Message m;
    m.text = fallback;
    if (i > 0) m.text += " (part " + std::to_string(i + 1) + " of " + std::to_string(drafts.size()) + ")";
    m.blocks = std::move(drafts[i].blocks);
    m.ephemeral = ephemeral;
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace patbot::slack
