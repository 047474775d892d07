// Standard base64 for FakeKubernetes: Secret data is base64 on the wire (fake_kubernetes.h).
#include <string>

#include "sim/fake_kubernetes.h"

namespace patbot::fakes {

namespace {
constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int valueOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64Encode(const std::string& bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    unsigned v = (unsigned char)bytes[i] << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// As Go's encoding/base64 StdEncoding: length a multiple of 4, '=' only at the end.
bool base64Decode(const std::string& text, std::string& out, size_t& badIndex) {
  out.clear();
  if (text.size() % 4 != 0) {
    badIndex = text.size() / 4 * 4;
    return false;
  }
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int vals[4];
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && last && (k == 3 || (k == 2 && text[i + 3] == '='))) {
        vals[k] = 0;
        ++pad;
        continue;
      }
      if ((vals[k] = valueOf(c)) < 0) {
        badIndex = i + k;
        return false;
      }
    }
    unsigned v = vals[0] << 18 | vals[1] << 12 | vals[2] << 6 | vals[3];
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 255);
    if (pad < 1) out += static_cast<char>(v & 255);
  }
  return true;
}

}  // namespace patbot::fakes
