#include "slack/command_text.h"

namespace patbot::slack {
namespace {

constexpr std::string_view kNoBreakSpace = "\xC2\xA0";
constexpr std::string_view kLeftQuote = "\xE2\x80\x9C";
constexpr std::string_view kRightQuote = "\xE2\x80\x9D";

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool startsWith(std::string_view s, std::size_t i, std::string_view prefix) {
  return s.substr(i, prefix.size()) == prefix;
}

// Byte length of a whitespace separator at s[i], or 0.
std::size_t spaceAt(std::string_view s, std::size_t i) {
  if (isAsciiSpace(s[i])) return 1;
  if (startsWith(s, i, kNoBreakSpace)) return kNoBreakSpace.size();
  return 0;
}

// Byte length of a quote character at s[i], or 0.
std::size_t quoteAt(std::string_view s, std::size_t i) {
  if (s[i] == '"') return 1;
  if (startsWith(s, i, kLeftQuote)) return kLeftQuote.size();
  if (startsWith(s, i, kRightQuote)) return kRightQuote.size();
  return 0;
}

}  // namespace

std::string decodeEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (startsWith(text, i, "&amp;")) {
      out.push_back('&');
      i += 5;
    } else if (startsWith(text, i, "&lt;")) {
      out.push_back('<');
      i += 4;
    } else if (startsWith(text, i, "&gt;")) {
      out.push_back('>');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

Result<std::vector<std::string>> splitArguments(std::string_view text) {
  const std::string decoded = decodeEntities(text);
  const std::string_view s = decoded;
  std::vector<std::string> args;
  std::string current;
  bool inArgument = false;
  bool inQuote = false;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t q = quoteAt(s, i); q > 0) {
      inQuote = !inQuote;
      inArgument = true;
      i += q;
    } else if (const std::size_t sp = inQuote ? 0 : spaceAt(s, i); sp > 0) {
      if (inArgument) args.push_back(std::move(current));
      current.clear();
      inArgument = false;
      i += sp;
    } else {
      current.push_back(s[i++]);
      inArgument = true;
    }
  }
  if (inQuote) {
    return Error::make(ErrorKind::kInvalidInput, "unbalanced quote in: " + decoded);
  }
  if (inArgument) args.push_back(std::move(current));
  return args;
}

}  // namespace patbot::slack
