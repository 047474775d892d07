#include "slack/form_parser.h"

namespace patbot::slack {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decodeComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

FormFields parseForm(std::string_view body) {
  FormFields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view part = body.substr(start, end - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        fields.emplace(decodeComponent(part), std::string());
      } else {
        fields.emplace(decodeComponent(part.substr(0, eq)), decodeComponent(part.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return fields;
}

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
