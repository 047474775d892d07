#include "gitlab/gitlab_errors.h"

#include <gtest/gtest.h>

namespace patbot::gitlab {
namespace {

const std::string kWhat = "listing service accounts";

Error map(int status, const std::string& body, http::Headers headers = {}, TokenRole role = TokenRole::kBot) {
  return errorFromResponse(status, headers, body, kWhat, role);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(GitLabErrorsTest, Unauthorized401NamesGitlabToken) {
  Error e = map(401, R"({"message":"401 Unauthorized"})");
  EXPECT_EQ(e.kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(e.httpStatus, 401);
  EXPECT_EQ(e.message,
            "GitLab rejected patbot's token (401 Unauthorized) while listing service accounts: check GITLAB_TOKEN");
}

TEST(GitLabErrorsTest, RevokedAndExpiredTokens) {
  Error revoked = map(401, R"({"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."})");
  EXPECT_EQ(revoked.kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(contains(revoked.message, "GitLab says the token is revoked (401 Unauthorized) while listing service accounts"))
      << revoked.message;
  EXPECT_TRUE(contains(revoked.message, "GITLAB_TOKEN"));

  Error expired = map(401, R"({"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."})");
  EXPECT_EQ(expired.kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(contains(expired.message, "GitLab says the token has expired (401 Unauthorized)")) << expired.message;
}

TEST(GitLabErrorsTest, GivenTokenGetsNoGitlabTokenAdvice) {
  Error e = map(401, R"({"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."})",
                {}, TokenRole::kGiven);
  EXPECT_TRUE(contains(e.message, "GitLab says the token is revoked")) << e.message;
  EXPECT_FALSE(contains(e.message, "GITLAB_TOKEN")) << e.message;
  Error plain = map(401, R"({"message":"401 Unauthorized"})", {}, TokenRole::kGiven);
  EXPECT_EQ(plain.message, "GitLab rejected the token (401 Unauthorized) while listing service accounts");
}

TEST(GitLabErrorsTest, InsufficientScopeNamesTheScopes) {
  Error e = map(403, R"({"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"})");
  EXPECT_EQ(e.kind, ErrorKind::kForbidden);
  EXPECT_EQ(e.httpStatus, 403);
  EXPECT_TRUE(contains(e.message, "(403 Forbidden)")) << e.message;
  EXPECT_TRUE(contains(e.message, "api, read_api")) << e.message;
}

TEST(GitLabErrorsTest, PlainForbiddenExplainsWhatTokenIsNeeded) {
  Error e = map(403, R"({"message":"403 Forbidden"})");
  EXPECT_EQ(e.kind, ErrorKind::kForbidden);
  EXPECT_EQ(e.message,
            "GitLab refused the request (403 Forbidden) while listing service accounts: the token lacks permission — "
            "instance mode needs an admin token with api scope, group mode an Owner of the group");

  Error withReason = map(403, R"({"message":"403 Forbidden - Job is not retryable"})");
  EXPECT_EQ(withReason.kind, ErrorKind::kForbidden);
  EXPECT_TRUE(contains(withReason.message, ": Job is not retryable")) << withReason.message;
}

// Admin Mode (reference/gitlab-api.md §1.2): an administrator's token without the admin_mode
// scope gets a non-admin's 401 and 403, which only in instance mode point at that scope.
TEST(GitLabErrorsTest, InstanceModeUnauthorizedAndForbiddenNameTheAdminModeScope) {
  auto inMode = [](int status, const std::string& body, Mode mode, TokenRole role = TokenRole::kBot) {
    return errorFromResponse(status, {}, body, "listing the tokens of service account inventory-bot", role, mode);
  };
  Error rejected = inMode(401, R"({"message":"401 Unauthorized"})", Mode::kInstance);
  EXPECT_EQ(rejected.kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(rejected.message,
            "GitLab rejected patbot's token (401 Unauthorized) while listing the tokens of service account "
            "inventory-bot: check GITLAB_TOKEN; with GitLab's Admin Mode on it also needs the admin_mode scope");
  Error refused = inMode(403, R"({"message":"403 Forbidden"})", Mode::kInstance);
  EXPECT_EQ(refused.kind, ErrorKind::kForbidden);
  EXPECT_EQ(refused.message,
            "GitLab refused the request (403 Forbidden) while listing the tokens of service account inventory-bot: the "
            "token lacks permission — instance mode needs an admin token with api scope, and with GitLab's Admin "
            "Mode on also the admin_mode scope");

  // Not for group mode, a token under test, a revoked token or a 403 that gives its reason.
  EXPECT_FALSE(contains(inMode(401, R"({"message":"401 Unauthorized"})", Mode::kGroup).message, "admin_mode"));
  EXPECT_FALSE(contains(inMode(403, R"({"message":"403 Forbidden"})", Mode::kGroup).message, "admin_mode"));
  EXPECT_FALSE(contains(inMode(401, R"({"message":"401 Unauthorized"})", Mode::kInstance, TokenRole::kGiven).message,
                        "admin_mode"));
  EXPECT_FALSE(contains(inMode(401, R"({"error":"invalid_token","error_description":"Token was revoked."})",
                               Mode::kInstance).message,
                        "admin_mode"));
  EXPECT_FALSE(contains(inMode(403, R"({"message":"403 Forbidden - Job is not retryable"})", Mode::kInstance).message,
                        "admin_mode"));
}

TEST(GitLabErrorsTest, NotFoundVariantsNameTheThing) {
  Error group = map(404, R"({"message":"404 Group Not Found"})");
  EXPECT_EQ(group.kind, ErrorKind::kNotFound);
  EXPECT_EQ(group.httpStatus, 404);
  EXPECT_TRUE(contains(group.message, "could not find the group (404 Group Not Found)")) << group.message;
  EXPECT_TRUE(contains(group.message, "GITLAB_GROUP"));

  Error user = map(404, R"({"message":"404 User Not Found"})");
  EXPECT_EQ(user.kind, ErrorKind::kNotFound);
  EXPECT_TRUE(contains(user.message, "could not find the user")) << user.message;

  Error pat = map(404, R"({"message":"404 Personal Access Token Not Found"})");
  EXPECT_TRUE(contains(pat.message, "could not find the personal access token")) << pat.message;

  Error record = map(404, R"({"message":"404 Not found"})");
  EXPECT_EQ(record.kind, ErrorKind::kNotFound);
  EXPECT_TRUE(contains(record.message, "could not find what patbot asked for (404 Not Found)")) << record.message;

  Error route = map(404, R"({"error":"404 Not Found"})");
  EXPECT_EQ(route.kind, ErrorKind::kNotFound);
  EXPECT_TRUE(contains(route.message, "does not know this API path")) << route.message;
  EXPECT_TRUE(contains(route.message, "GITLAB_URL"));
}

TEST(GitLabErrorsTest, BadRequestShapes) {
  Error validation = map(400, R"({"message":{"value":["is invalid"],"base":["Missing CI config file"]}})");
  EXPECT_EQ(validation.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(validation.httpStatus, 400);
  EXPECT_TRUE(contains(validation.message, "(400 Bad Request)")) << validation.message;
  EXPECT_TRUE(contains(validation.message, "value is invalid")) << validation.message;
  EXPECT_TRUE(contains(validation.message, "Missing CI config file")) << validation.message;
  EXPECT_TRUE(contains(validation.message, "; ")) << validation.message;

  Error reason = map(400, R"({"message":"400 Bad request - Token already revoked"})");
  EXPECT_EQ(reason.kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(contains(reason.message, ": Token already revoked")) << reason.message;

  Error bare = map(400, R"({"message":"400 Bad request"})");
  EXPECT_EQ(bare.message, "GitLab rejected the request (400 Bad Request) while listing service accounts");

  Error grape = map(400, R"({"error":"scopes does not have a valid value"})");
  EXPECT_EQ(grape.kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(contains(grape.message, ": scopes does not have a valid value")) << grape.message;
}

TEST(GitLabErrorsTest, ConflictAndUnprocessable) {
  Error conflict = map(409, R"({"message":"409 Conflict: Resource lock"})");
  EXPECT_EQ(conflict.kind, ErrorKind::kConflict);
  EXPECT_EQ(conflict.httpStatus, 409);
  EXPECT_TRUE(contains(conflict.message, "(409 Conflict)")) << conflict.message;
  EXPECT_TRUE(contains(conflict.message, ": Resource lock")) << conflict.message;

  Error unprocessable = map(422, R"({"message":"Expiration date must be before 2026-05-04"})");
  EXPECT_EQ(unprocessable.kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(contains(unprocessable.message, "(422 Unprocessable Entity)")) << unprocessable.message;
  EXPECT_TRUE(contains(unprocessable.message, "Expiration date must be before 2026-05-04")) << unprocessable.message;
}

TEST(GitLabErrorsTest, RateLimitedBothShapes) {
  Error app = map(429, R"({"message":{"error":"This endpoint has been requested too many times. Try again later."}})",
                  {{"retry-after", "60"}});
  EXPECT_EQ(app.kind, ErrorKind::kRateLimited);
  EXPECT_EQ(app.httpStatus, 429);
  EXPECT_EQ(app.retryAfter, std::chrono::seconds(60));
  EXPECT_TRUE(contains(app.message, "(429 Too Many Requests)")) << app.message;
  EXPECT_TRUE(contains(app.message, "60 seconds")) << app.message;

  Error rack = map(429, "Retry later\n", {{"Retry-After", "7"}, {"ratelimit-name", "throttle_authenticated_api"}});
  EXPECT_EQ(rack.kind, ErrorKind::kRateLimited);
  EXPECT_EQ(rack.retryAfter, std::chrono::seconds(7));

  Error noHeader = map(429, R"({"message":"429 Too Many Requests"})");
  EXPECT_EQ(noHeader.kind, ErrorKind::kRateLimited);
  EXPECT_EQ(noHeader.retryAfter, std::chrono::seconds(0));
  EXPECT_TRUE(contains(noHeader.message, "try again later")) << noHeader.message;
}

TEST(GitLabErrorsTest, ServerErrorsAreUnavailable) {
  Error e = map(500, R"({"message":"500 Internal Server Error"})");
  EXPECT_EQ(e.kind, ErrorKind::kUnavailable);
  EXPECT_EQ(e.httpStatus, 500);
  EXPECT_EQ(e.message, "GitLab is having trouble (500 Internal Server Error) while listing service accounts");

  Error gateway = map(502, "<html><body>502 Bad Gateway</body></html>");
  EXPECT_EQ(gateway.kind, ErrorKind::kUnavailable);
  EXPECT_TRUE(contains(gateway.message, "(502 Bad Gateway)"));
}

TEST(GitLabErrorsTest, UnparseableBodiesStillMapByStatus) {
  EXPECT_EQ(map(401, "<html>nope</html>").kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(map(403, "").kind, ErrorKind::kForbidden);
  EXPECT_EQ(map(404, "{").kind, ErrorKind::kNotFound);
  EXPECT_EQ(map(409, "[]").kind, ErrorKind::kConflict);
  EXPECT_EQ(map(429, "").kind, ErrorKind::kRateLimited);
  EXPECT_EQ(map(503, "").kind, ErrorKind::kUnavailable);
  EXPECT_EQ(map(418, "").kind, ErrorKind::kInvalidInput);
  Error redirect = map(302, "");
  EXPECT_EQ(redirect.kind, ErrorKind::kProtocol);
  EXPECT_TRUE(contains(redirect.message, "GITLAB_URL"));
}

TEST(GitLabErrorsTest, DetailRedactsTokenValuesAndMessagesNeverQuoteThem) {
  const std::string value = "glpat-AbCdEfGhIjKlMnOpQrSt";
  Error e = map(400, R"({"message":"400 Bad request","token":")" + value + R"("})");
  EXPECT_FALSE(contains(e.message, value));
  EXPECT_FALSE(contains(e.detail, value)) << e.detail;
  EXPECT_TRUE(contains(e.detail, "glpat-[redacted]")) << e.detail;
}

TEST(GitLabErrorsTest, TransportErrorsNameTheHost) {
  Error refused = errorFromTransport(Error::make(ErrorKind::kUnavailable, "connection refused"),
                                     "gitlab.example.com", kWhat);
  EXPECT_EQ(refused.kind, ErrorKind::kUnavailable);
  EXPECT_EQ(refused.message,
            "GitLab at gitlab.example.com could not be reached while listing service accounts: connection refused");
  Error timeout = errorFromTransport(Error::make(ErrorKind::kTimeout, "no answer within 30 s"), "h:8443", kWhat);
  EXPECT_EQ(timeout.kind, ErrorKind::kTimeout);
  EXPECT_TRUE(contains(timeout.message, "GitLab at h:8443 could not be reached"));
}

TEST(GitLabErrorsTest, RetryAfterParsing) {
  EXPECT_EQ(retryAfterSeconds({{"retry-after", "12"}}), std::chrono::seconds(12));
  EXPECT_EQ(retryAfterSeconds({{"Retry-After", " 3 "}}), std::chrono::seconds(3));
  EXPECT_FALSE(retryAfterSeconds({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}).has_value());
  EXPECT_FALSE(retryAfterSeconds({{"retry-after", "-1"}}).has_value());
  EXPECT_FALSE(retryAfterSeconds({}).has_value());
}

TEST(GitLabErrorsTest, MaxExpiryFromTheCreateAndRotateShapes) {
  const Date expected = Date(std::chrono::year(2027) / 11 / 29);
  Error create = errorFromResponse(422, {}, R"({"message":"Expiration date must be before 2027-11-29"})",
                                   "creating a token");
  EXPECT_TRUE(contains(create.message, "Expiration date must be before 2027-11-29")) << create.message;
  EXPECT_EQ(maxExpiryFromError(create), expected);

  Error rotate = errorFromResponse(400, {}, R"({"message":"400 Bad request - Expiration date must be before 2027-11-29"})",
                                   "rotating a token");
  EXPECT_TRUE(contains(rotate.message, ": Expiration date must be before 2027-11-29")) << rotate.message;
  EXPECT_EQ(maxExpiryFromError(rotate), expected);

  // Only the detail has it (e.g. a caller rewrote the message).
  Error rewritten = rotate;
  rewritten.message = "could not rotate";
  EXPECT_EQ(maxExpiryFromError(rewritten), expected);
}

TEST(GitLabErrorsTest, MaxExpiryIsAbsentFromOtherErrors) {
  EXPECT_EQ(maxExpiryFromError(errorFromResponse(400, {}, R"({"message":"400 Bad request - Token already revoked"})", "x")),
            std::nullopt);
  EXPECT_EQ(maxExpiryFromError(errorFromResponse(403, {}, R"({"message":"403 Forbidden"})", "x")), std::nullopt);
  EXPECT_EQ(maxExpiryFromError(Error::make(ErrorKind::kInvalidInput, "Expiration date must be before soon")),
            std::nullopt);
  EXPECT_EQ(maxExpiryFromError(Error::make(ErrorKind::kInvalidInput, "Expiration date must be before 2027-02-30")),
            std::nullopt);
}

// latestAcceptedExpiry: the date to retry with, for each way GitLab versions refuse an expiry.
const Date kToday = Date(std::chrono::year(2026) / 11 / 28);
Date inDays(int n) { return kToday + std::chrono::days(n); }

TEST(GitLabErrorsTest, RetryDateIsTheBeforeDateItself) {
  // GitLab refuses only expires_at > D, so D is the latest date it takes, not D - 1.
  Error create = errorFromResponse(422, {}, R"({"message":"Expiration date must be before 2027-05-27"})", "creating");
  EXPECT_EQ(latestAcceptedExpiry(create, kToday, inDays(365)), Date(std::chrono::year(2027) / 5 / 27));
  Error rotate = errorFromResponse(400, {}, R"({"message":"400 Bad request - Expiration date must be before 2027-05-27"})",
                                   "rotating");
  EXPECT_EQ(latestAcceptedExpiry(rotate, kToday, inDays(365)), Date(std::chrono::year(2027) / 5 / 27));
  // A date not before the refused one would only be refused again.
  EXPECT_EQ(latestAcceptedExpiry(create, kToday, Date(std::chrono::year(2027) / 5 / 27)), std::nullopt);
  Error past = errorFromResponse(422, {}, R"({"message":"Expiration date must be before 2026-11-28"})", "creating");
  EXPECT_EQ(latestAcceptedExpiry(past, kToday, inDays(365)), std::nullopt);
}

TEST(GitLabErrorsTest, RetryDateForExpiresInDays) {
  Error days = errorFromResponse(422, {}, R"({"message":"Expiration date must expire in 90 days"})", "creating");
  EXPECT_EQ(latestAcceptedExpiry(days, kToday, inDays(365)), inDays(90));
  // Refused again at today + 90 (GitLab's day is behind ours): the day before, then nothing.
  EXPECT_EQ(latestAcceptedExpiry(days, kToday, inDays(90)), inDays(89));
  EXPECT_EQ(latestAcceptedExpiry(days, kToday, inDays(1)), std::nullopt);
  Error within = errorFromResponse(400, {}, R"({"message":"400 Bad request - Token must expire within 365 days"})", "rotating");
  EXPECT_EQ(latestAcceptedExpiry(within, kToday, inDays(400)), inDays(365));
  Error lessThan = errorFromResponse(400, {}, R"({"error":"expires_at must expire in less than 60 days"})", "rotating");
  EXPECT_EQ(latestAcceptedExpiry(lessThan, kToday, inDays(365)), inDays(59));
}

TEST(GitLabErrorsTest, RetryDateForExpirationDateIsInvalid) {
  Error invalid = errorFromResponse(422, {}, R"({"message":"Expiration date is invalid"})", "creating");
  EXPECT_EQ(latestAcceptedExpiry(invalid, kToday, inDays(400)), inDays(365));
  EXPECT_EQ(latestAcceptedExpiry(invalid, kToday, inDays(365)), inDays(kFallbackLifetimeDays));
  EXPECT_EQ(latestAcceptedExpiry(invalid, kToday, inDays(kFallbackLifetimeDays)), std::nullopt);
  Error hash = errorFromResponse(400, {}, R"({"message":{"expires_at":["is invalid"]}})", "creating");
  EXPECT_EQ(latestAcceptedExpiry(hash, kToday, inDays(365)), inDays(kFallbackLifetimeDays));
}

TEST(GitLabErrorsTest, RetryEndsWithinTwoRetriesForEveryStyle) {
  for (const char* body : {R"({"message":"Expiration date must be before 2027-01-01"})",
                           R"({"message":"Expiration date must expire in 30 days"})",
                           R"({"message":"Expiration date is invalid"})"}) {
    Error e = errorFromResponse(422, {}, body, "creating");
    Date refused = inDays(365);
    int retries = 0;
    while (auto next = latestAcceptedExpiry(e, kToday, refused)) {
      ASSERT_LT(*next, refused) << body;
      refused = *next;
      ASSERT_LE(++retries, 3) << body;
    }
    EXPECT_LE(retries, 2) << body;
  }
}

TEST(GitLabErrorsTest, NoRetryDateForOtherAnswers) {
  EXPECT_EQ(latestAcceptedExpiry(errorFromResponse(400, {}, R"({"message":"400 Bad request - Token already revoked"})", "x"),
                                 kToday, inDays(365)),
            std::nullopt);
  // A 5xx or a transport failure may have created the token: never a retry with another date.
  EXPECT_EQ(latestAcceptedExpiry(errorFromResponse(500, {}, R"({"message":"Expiration date is invalid"})", "x"), kToday,
                                 inDays(365)),
            std::nullopt);
  EXPECT_EQ(latestAcceptedExpiry(Error::make(ErrorKind::kTimeout, "Expiration date must be before 2027-01-01"), kToday,
                                 inDays(365)),
            std::nullopt);
  EXPECT_EQ(latestAcceptedExpiry(errorFromResponse(403, {}, R"({"message":"403 Forbidden - expires in 30 days"})", "x"),
                                 kToday, inDays(365)),
            std::nullopt);
}

}  // namespace
}  // namespace patbot::gitlab
