#include "slack/form_parser.h"

#include "http/url.h"

namespace patbot::slack {

FormFields parseForm(std::string_view body) { return http::parseQuery(body); }

std::string formValue(const FormFields& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

bool isSslCheck(std::string_view body) {
  const FormFields fields = parseForm(body);
  auto [first, last] = fields.equal_range("ssl_check");
  for (auto it = first; it != last; ++it) {
    if (it->second == "1") return true;
  }
  return false;
}

}  // namespace patbot::slack
