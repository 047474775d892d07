#include "slack/signature_verifier.h"

#include <gtest/gtest.h>

#include "testdata.h"

namespace patbot::slack {
namespace {

using std::chrono::seconds;

const Secret kV1Secret("8f742231b10e8888abcd99yyyzzz85a5");
const std::string kV1Body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
    "channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const std::string kV1Signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
constexpr long kV1Timestamp = 1531420618;

FakeClock clockAt(long unixSeconds) { return FakeClock(TimePoint(seconds(unixSeconds))); }

http::Headers headers(const std::string& timestamp, const std::string& signature) {
  return {{"x-slack-request-timestamp", timestamp}, {"x-slack-signature", signature}};
}

struct Vector {
  const char* name;
  std::string secret;
  long timestamp;
  std::string body;
  std::size_t bodySize;
  std::string signature;
};

std::vector<Vector> goldenVectors() {
  return {
      {"V1", kV1Secret.reveal(), kV1Timestamp, kV1Body, 362, kV1Signature},
      {"V2", "e6b19c573432dcc6b075501d51b51bb8", 1531431954,
       R"({"token":"aF5ynEYQH0dFN9imlgcADxDB","team_id":"XXXXXXXXX","api_app_id":"YYYYYYYYY","event":{"type":"app_mention","user":"AAAAAAAAA","text":"<@EEEEEEEEE> hello world","client_msg_id":"477cc591-ch73-a14z-4db8-g0cd76321bec","ts":"1531431954.000073","channel":"TTTTTTTTT","event_ts":"1531431954.000073"},"type":"event_callback","event_id":"TvBP7LRED7","event_time":1531431954,"authed_users":["EEEEEEEEE"]})",
       401, "v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c"},
      {"V3", kV1Secret.reveal(), kV1Timestamp, "", 0,
       "v0=55f41ec73231010289b54e669149ea021fccab11b5524355523533ce930cb739"},
      {"V4", kV1Secret.reveal(), kV1Timestamp, "text=d%C3%A9ploy+%E2%9C%85", 26,
       "v0=405c81a9d425db0efb0837e7be1c0b9efff62de69abd3da5d865e8cbba5bc6a0"},
      {"V5", kV1Secret.reveal(), 1700000000, testing::readTestdata("slash_pat.body"), 419,
       "v0=983d2a8d7282e98fe54dfdbfabf88ab4de1cb0425c6abafcf0f31989db36fcdb"},
      {"V6", kV1Secret.reveal(), 1700000000, testing::readTestdata("block_actions.body"), 1146,
       "v0=ee0c26893e21c6806bdbc43aaaeca0a254ece9b8a62ab4c915d88527374179b4"},
  };
}

TEST(SignatureVerifierTest, GoldenVectorsComputeAndVerify) {
  for (const Vector& v : goldenVectors()) {
    SCOPED_TRACE(v.name);
    ASSERT_EQ(v.body.size(), v.bodySize);
    const Secret secret(v.secret);
    const std::string ts = std::to_string(v.timestamp);
    EXPECT_EQ(computeSignature(secret, ts, v.body), v.signature);
    const FakeClock clock = clockAt(v.timestamp);
    const SignatureVerifier verifier(secret.clone(), clock);
    EXPECT_EQ(verifier.verify(headers(ts, v.signature), v.body), std::nullopt);
  }
}

class V1Test : public ::testing::Test {
 protected:
  std::optional<SignatureFailure> verifyAt(long now, const http::Headers& h,
                                           const std::string& body = kV1Body) {
    const FakeClock clock = clockAt(now);
    return SignatureVerifier(kV1Secret.clone(), clock).verify(h, body);
  }
  std::optional<SignatureFailure> verifyV1(const http::Headers& h, const std::string& body = kV1Body) {
    return verifyAt(kV1Timestamp, h, body);
  }
  const std::string ts_ = std::to_string(kV1Timestamp);
};

TEST_F(V1Test, StaleAtRealNow) {
  const long now = std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_EQ(verifyAt(now, headers(ts_, kV1Signature)), SignatureFailure::kStale);
}

TEST_F(V1Test, WindowIsThreeHundredSecondsEitherWay) {
  EXPECT_EQ(verifyAt(kV1Timestamp + 300, headers(ts_, kV1Signature)), std::nullopt);
  EXPECT_EQ(verifyAt(kV1Timestamp - 300, headers(ts_, kV1Signature)), std::nullopt);
  EXPECT_EQ(verifyAt(kV1Timestamp + 301, headers(ts_, kV1Signature)), SignatureFailure::kStale);
  EXPECT_EQ(verifyAt(kV1Timestamp - 301, headers(ts_, kV1Signature)), SignatureFailure::kFuture);
}

TEST_F(V1Test, FreshTimestampsSignedCorrectlyAreAcceptedAtTheEdges) {
  const long now = 1700000000;
  for (long ts : {now - 300, now + 300, now}) {
    const std::string t = std::to_string(ts);
    EXPECT_EQ(verifyAt(now, headers(t, computeSignature(kV1Secret, t, kV1Body))), std::nullopt) << ts;
  }
  for (long ts : {now - 301, now + 301}) {
    const std::string t = std::to_string(ts);
    EXPECT_EQ(verifyAt(now, headers(t, computeSignature(kV1Secret, t, kV1Body))),
              ts < now ? SignatureFailure::kStale : SignatureFailure::kFuture);
  }
}

TEST_F(V1Test, V1SignatureWithCurrentTimestampIsAMismatch) {
  EXPECT_EQ(verifyAt(1700000000, headers("1700000000", kV1Signature)), SignatureFailure::kMismatch);
}

TEST_F(V1Test, TamperedBodyIsAMismatch) {
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature), kV1Body + "------"), SignatureFailure::kMismatch);
  std::string flipped = kV1Body;
  flipped[10] ^= 1;
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature), flipped), SignatureFailure::kMismatch);
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature), ""), SignatureFailure::kMismatch);
}

TEST_F(V1Test, WrongSecretIsAMismatch) {
  const FakeClock clock = clockAt(kV1Timestamp);
  const SignatureVerifier verifier(Secret("e6b19c573432dcc6b075501d51b51boo"), clock);
  EXPECT_EQ(verifier.verify(headers(ts_, kV1Signature), kV1Body), SignatureFailure::kMismatch);
}

TEST_F(V1Test, MalformedSignatures) {
  std::string upper = kV1Signature;
  for (std::size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_EQ(verifyV1(headers(ts_, upper)), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, "v1=" + kV1Signature.substr(3))), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature.substr(0, 66))), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature + "0")), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, "v0=invalid-signature")), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, kV1Signature.substr(3))), SignatureFailure::kMalformedSignature);
  EXPECT_EQ(verifyV1(headers(ts_, "")), SignatureFailure::kMalformedSignature);
}

TEST_F(V1Test, WellFormedButWrongSignatureIsAMismatch) {
  std::string wrong = kV1Signature;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(verifyV1(headers(ts_, wrong)), SignatureFailure::kMismatch);
}

TEST_F(V1Test, MissingHeaders) {
  EXPECT_EQ(verifyV1({{"x-slack-signature", kV1Signature}}), SignatureFailure::kMissingTimestamp);
  EXPECT_EQ(verifyV1({{"x-slack-request-timestamp", ts_}}), SignatureFailure::kMissingSignature);
  EXPECT_EQ(verifyV1({}), SignatureFailure::kMissingTimestamp);
  // Names must already be lower-cased by the HTTP layer.
  EXPECT_EQ(verifyV1({{"X-Slack-Request-Timestamp", ts_}, {"X-Slack-Signature", kV1Signature}}),
            SignatureFailure::kMissingTimestamp);
}

TEST_F(V1Test, MalformedTimestamps) {
  for (const char* bad : {"", "abc", "1531420618.5", "-1531420618", " 1531420618", "1531420618 ", "+1531420618",
                          "0x5b4a3c4a"}) {
    EXPECT_EQ(verifyV1(headers(bad, kV1Signature)), SignatureFailure::kMalformedTimestamp) << bad;
  }
}

TEST_F(V1Test, HugeTimestampIsFutureNotOverflow) {
  EXPECT_EQ(verifyV1(headers("99999999999999999999999999", kV1Signature)), SignatureFailure::kFuture);
}

TEST_F(V1Test, TimestampHeaderIsSignedVerbatim) {
  // Leading zeros denote the same instant but change the base string.
  const std::string padded = "0" + ts_;
  EXPECT_EQ(verifyV1(headers(padded, kV1Signature)), SignatureFailure::kMismatch);
  EXPECT_EQ(verifyV1(headers(padded, computeSignature(kV1Secret, padded, kV1Body))), std::nullopt);
}

TEST(SignatureFailureTest, Names) {
  EXPECT_STREQ(signatureFailureName(SignatureFailure::kStale), "stale");
  EXPECT_STREQ(signatureFailureName(SignatureFailure::kFuture), "future");
  EXPECT_STREQ(signatureFailureName(SignatureFailure::kMismatch), "mismatch");
  EXPECT_STREQ(signatureFailureName(SignatureFailure::kMissingTimestamp), "missing_timestamp");
  EXPECT_STREQ(signatureFailureName(SignatureFailure::kMalformedSignature), "malformed_signature");
}

}  // namespace
}  // namespace patbot::slack
