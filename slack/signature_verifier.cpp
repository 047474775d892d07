#include "slack/signature_verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>

namespace patbot::slack {
namespace {

constexpr std::string_view kTimestampHeader = "x-slack-request-timestamp";
constexpr std::string_view kSignatureHeader = "x-slack-signature";
constexpr std::string_view kVersionPrefix = "v0=";
constexpr std::size_t kHexDigits = 64;
// 18 significant digits always fit an int64; anything longer is centuries away.
constexpr std::size_t kMaxTimestampDigits = 18;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLowerHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f'); }

bool wellFormedSignature(std::string_view s) {
  if (s.size() != kVersionPrefix.size() + kHexDigits || s.substr(0, 3) != kVersionPrefix) return false;
  for (char c : s.substr(kVersionPrefix.size())) {
    if (!isLowerHex(c)) return false;
  }
  return true;
}

const std::string* find(const http::Headers& headers, std::string_view name) {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? nullptr : &it->second;
}

}  // namespace

const char* signatureFailureName(SignatureFailure failure) {
  switch (failure) {
    case SignatureFailure::kMissingTimestamp: return "missing_timestamp";
    case SignatureFailure::kMalformedTimestamp: return "malformed_timestamp";
    case SignatureFailure::kStale: return "stale";
    case SignatureFailure::kFuture: return "future";
    case SignatureFailure::kMissingSignature: return "missing_signature";
    case SignatureFailure::kMalformedSignature: return "malformed_signature";
    case SignatureFailure::kMismatch: return "mismatch";
  }
  return "unknown";
}

std::string computeSignature(const Secret& secret, std::string_view timestamp,
                             std::string_view body) {
  std::string base;
  base.reserve(3 + timestamp.size() + 1 + body.size());
  base.append("v0:").append(timestamp).append(":").append(body);

  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macLength = 0;
  const std::string& key = secret.reveal();
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac, &macLength);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kVersionPrefix);
  out.reserve(kVersionPrefix.size() + 2 * macLength);
  for (unsigned int i = 0; i < macLength; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0x0F]);
  }
  return out;
}

SignatureVerifier::SignatureVerifier(Secret signingSecret, const Clock& clock,
                                     std::chrono::seconds window)
    : secret_(std::move(signingSecret)), clock_(clock), window_(window) {}

std::optional<SignatureFailure> SignatureVerifier::verify(const http::Headers& lowerCasedHeaders,
                                                          std::string_view rawBody) const {
  const std::string* timestamp = find(lowerCasedHeaders, kTimestampHeader);
  if (timestamp == nullptr) return SignatureFailure::kMissingTimestamp;
  if (timestamp->empty()) return SignatureFailure::kMalformedTimestamp;
  for (char c : *timestamp) {
    if (!isDigit(c)) return SignatureFailure::kMalformedTimestamp;
  }

  const std::string* signature = find(lowerCasedHeaders, kSignatureHeader);
  if (signature == nullptr) return SignatureFailure::kMissingSignature;
  if (!wellFormedSignature(*signature)) return SignatureFailure::kMalformedSignature;

  const std::string_view digits =
      std::string_view(*timestamp).substr(std::min(timestamp->find_first_not_of('0'), timestamp->size()));
  if (digits.size() > kMaxTimestampDigits) return SignatureFailure::kFuture;
  std::int64_t sent = 0;
  for (char c : digits) sent = sent * 10 + (c - '0');
  const std::int64_t now =
      std::chrono::floor<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  if (now - sent > window_.count()) return SignatureFailure::kStale;
  if (sent - now > window_.count()) return SignatureFailure::kFuture;

  const std::string expected = computeSignature(secret_, *timestamp, rawBody);
  if (CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
    return SignatureFailure::kMismatch;
  }
  return std::nullopt;
}

}  // namespace patbot::slack
