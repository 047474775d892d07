// GitLabClientTest: the fixture of RestGitLabApi tests against scripted answers. GitLab is a
// ScriptedTransport (answers pushed by the test, requests kept for assertions); time is a
// FakeClock at kGitLabClientStart on which retries, deadlines and 429 waits pass at once.
// options() are those of a client of https://gitlab.example.com with kGitLabBotToken.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "gitlab/rest_gitlab_api.h"
#include "tests/support/scripted_transport.h"

namespace patbot::testing {

// 2025-06-11T09:00:00Z, a whole second (as GitLab's RateLimit-Reset is).
inline const TimePoint kGitLabClientStart{std::chrono::seconds(1749632400)};
inline const std::string kGitLabBotToken = "glpat-BotTokenValue0000001";
inline const std::string kGitLabApiBase = "https://gitlab.example.com/api/v4";

class GitLabClientTest : public ::testing::Test {
 protected:
  gitlab::RestGitLabOptions options(gitlab::Mode mode = gitlab::Mode::kInstance, std::string group = {});
  // The URLs requested so far, in order.
  std::vector<std::string> urls() const;
  // The one request sent; a test failure (and an empty request) when there was not exactly one.
  http::ClientRequest onlyRequest() const;
  // The JSON body of `request`; a test failure when it is not labelled application/json.
  static nlohmann::json jsonBody(const http::ClientRequest& request);

  ScriptedTransport transport_;
  FakeClock clock_{kGitLabClientStart};
};

// A 200 page of a GitLab list: `body` with the pagination headers of page `thisPage` ("" for
// `nextPage` on the last page).
http::ClientResponse page(std::string body, std::string nextPage, std::string thisPage = "1");

}  // namespace patbot::testing
