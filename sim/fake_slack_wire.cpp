#include "sim/fake_slack_wire.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace patbot::fakes {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

bool keptAsIs(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decodeComponent(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 &&
               hexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string formEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size() * 3);
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (keptAsIs(c)) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kUpperHex[c >> 4];
      out += kUpperHex[c & 0x0f];
    }
  }
  return out;
}

std::string formEncodeFields(const FormFields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += formEncode(k);
    out += '=';
    out += formEncode(v);
  }
  return out;
}

FormFields formDecode(std::string_view body) {
  FormFields out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(decodeComponent(pair), "");
      } else {
        out.emplace_back(decodeComponent(pair.substr(0, eq)), decodeComponent(pair.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

std::string formValue(const FormFields& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return {};
}

bool formHas(const FormFields& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k == key) return true;
  }
  return false;
}

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kLowerHex[digest[i] >> 4];
    out += kLowerHex[digest[i] & 0x0f];
  }
  return out;
}

std::string slackSignature(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string base;
  base.reserve(body.size() + timestamp.size() + 4);
  base += "v0:";
  base += timestamp;
  base += ':';
  base += body;
  return "v0=" + hmacSha256Hex(secret, base);
}

size_t utf8Length(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t width = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    if (i + width > text.size()) width = 1;
    for (size_t k = 1; k < width; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        width = 1;
        break;
      }
    }
    i += width;
    ++count;
  }
  return count;
}

}  // namespace patbot::fakes
