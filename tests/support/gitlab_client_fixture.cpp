#include "tests/support/gitlab_client_fixture.h"

#include <utility>

namespace patbot::testing {

gitlab::RestGitLabOptions GitLabClientTest::options(gitlab::Mode mode, std::string group) {
  gitlab::RestGitLabOptions o;
  o.baseUrl = "https://gitlab.example.com";
  o.token = Secret(kGitLabBotToken);
  o.mode = mode;
  o.group = std::move(group);
  o.clock = &clock_;
  return o;
}

std::vector<std::string> GitLabClientTest::urls() const {
  std::vector<std::string> out;
  for (const auto& r : transport_.requests()) out.push_back(r.url);
  return out;
}

http::ClientRequest GitLabClientTest::onlyRequest() const {
  auto sent = transport_.requests();
  EXPECT_EQ(sent.size(), 1u);
  return sent.empty() ? http::ClientRequest{} : sent.front();
}

nlohmann::json GitLabClientTest::jsonBody(const http::ClientRequest& request) {
  auto type = request.headers.find("Content-Type");
  EXPECT_TRUE(type != request.headers.end() && type->second == "application/json");
  return nlohmann::json::parse(request.body);
}

http::ClientResponse page(std::string body, std::string nextPage, std::string thisPage) {
  return answer(200, std::move(body),
                {{"x-next-page", std::move(nextPage)}, {"x-page", std::move(thisPage)},
                 {"x-per-page", "100"}, {"x-prev-page", ""}});
}

}  // namespace patbot::testing
