// slack/signature_verifier verify() on arbitrary requests. Input: line 1 the
// x-slack-request-timestamp header, line 2 the x-slack-signature header, the rest the body; a
// header is absent when its line is missing or starts with '-'. The clock and the secret are
// those of Slack's documented example (reference/slack-api.md §2), so its request verifies.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/secret.h"
#include "slack/signature_verifier.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

namespace {

constexpr int64_t kNow = 1531420618;
const char* const kSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";

const std::string* header(const http::Headers& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FakeClock clock{TimePoint(std::chrono::seconds(kNow))};
  static const Secret secret{kSigningSecret};
  static const slack::SignatureVerifier verifier{secret.clone(), clock};

  const auto parts = fuzz::splitLines(fuzz::asText(data, size), 3);
  http::Headers headers;
  std::string_view body;
  if (parts.size() == 3) {
    if (parts[0].empty() || parts[0][0] != '-') headers["x-slack-request-timestamp"] = std::string(parts[0]);
    if (parts[1].empty() || parts[1][0] != '-') headers["x-slack-signature"] = std::string(parts[1]);
    body = parts[2];
  } else {
    body = parts.back();
  }

  const auto failure = verifier.verify(headers, body);
  const std::string* timestamp = header(headers, "x-slack-request-timestamp");
  const std::string* signature = header(headers, "x-slack-signature");
  if (!failure) {
    fuzz::check(timestamp && signature, "an accepted request has both headers");
    fuzz::check(*signature == slack::computeSignature(secret, *timestamp, body),
                "an accepted signature is the HMAC of this timestamp and body");
  }
  (void)slack::signatureFailureName(failure.value_or(slack::SignatureFailure::kMismatch));

  // The genuine signature of the same timestamp and body is refused only for its timestamp.
  if (timestamp) {
    http::Headers signed_ = headers;
    signed_["x-slack-signature"] = slack::computeSignature(secret, *timestamp, body);
    const auto genuine = verifier.verify(signed_, body);
    fuzz::check(genuine != slack::SignatureFailure::kMismatch && genuine != slack::SignatureFailure::kMalformedSignature &&
                    genuine != slack::SignatureFailure::kMissingSignature,
                "a genuine signature is never refused for itself");
  }
  return 0;
}
