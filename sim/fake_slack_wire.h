// Wire helpers of the fake Slack: form encoding the way Slack's servers produce it, form and
// query decoding, and request signing. Implemented independently of the bot's slack/ library on
// purpose, so a shared mistake cannot hide. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace patbot::fakes {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded value encoding as Slack sends it: ASCII letters, digits and
// "-_." stay, space becomes '+', every other byte (UTF-8 included) becomes %XX in upper case.
std::string formEncode(std::string_view value);

// Joins fields in the given order as k=v&k=v, both sides form-encoded.
std::string formEncodeFields(const FormFields& fields);

// Splits on '&' and the first '=', turns '+' into space, then percent-decodes. Malformed escapes
// are kept literally. Order and duplicates are preserved.
FormFields formDecode(std::string_view body);

// The first value for `key`, or "" when absent.
std::string formValue(const FormFields& fields, std::string_view key);
bool formHas(const FormFields& fields, std::string_view key);

// Lower-case hex HMAC-SHA256 of `message` keyed with `key` (OpenSSL).
std::string hmacSha256Hex(std::string_view key, std::string_view message);

// Slack's v0 signature: "v0=" + hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body).
std::string slackSignature(std::string_view secret, std::string_view timestamp, std::string_view body);

// Number of Unicode code points in UTF-8 text (Block Kit limits count characters, not bytes).
// Invalid bytes count as one character each.
size_t utf8Length(std::string_view text);

}  // namespace patbot::fakes
