// application/x-www-form-urlencoded bodies as Slack sends them (reference/slack-api.md §1).
// Parse only after the signature has been verified on the raw bytes.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace patbot::slack {

using FormFields = std::multimap<std::string, std::string>;

// Splits on '&' and each part on its first '='; in keys and values '+' becomes a space, then
// %XX escapes become bytes (an invalid escape is kept literally). A part without '=' is a key
// with an empty value; empty parts are skipped. Never fails. (http::parseQuery, under the name
// Slack's bodies are known by.)
FormFields parseForm(std::string_view body);

// The first value of `key`, or "" when absent.
std::string formValue(const FormFields& fields, const std::string& key);

// True when the body is Slack's TLS check (form field ssl_check=1).
bool isSslCheck(std::string_view body);

}  // namespace patbot::slack
