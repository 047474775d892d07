// Tracking-issue calls of RestGitLabApi (createIssue, listIssues) against the in-process fake
// GitLab, and their JSON mapping.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "gitlab/json_mapping.h"
#include "gitlab/rest_gitlab_api.h"
#include "sim/seeds.h"
#include "tests/support/simulated_gitlab.h"

namespace patbot::gitlab {
namespace {

using nlohmann::json;

class GitLabIssuesTest : public ::testing::Test {
 protected:
  // POSTs to /projects/:id/issues seen by the fake (a note is a POST below /issues too).
  int issuePosts() { return gitlab_.calls("POST", "/issues") - gitlab_.calls("POST", "/notes"); }

  FakeClock clock_{parseTimestamp("2025-06-11T09:00:00.000Z").value()};
  patbot::testing::SimulatedGitLab gitlab_{clock_, fakes::demoSeed(utcDay(clock_.now()))};
  RestGitLabApi& api_ = gitlab_.api();
};

TEST_F(GitLabIssuesTest, CreateSendsTitleDescriptionAndLabels) {
  IssueSpec spec{"Service account token expiring: deploy-bot / registry (id 105)", "facts", {"pat-expiry", "security"}};
  auto issue = api_.createIssue("sec/team", spec);
  ASSERT_TRUE(issue) << issue.error().message;
  EXPECT_EQ(issue->title, spec.title);
  EXPECT_EQ(issue->state, "opened");
  EXPECT_EQ(issue->iid, 263);   // after the seeded 262
  EXPECT_EQ(issue->labels, (std::vector<std::string>{"pat-expiry", "security"}));
  EXPECT_NE(issue->webUrl.find("/sec/team/-/issues/263"), std::string::npos) << issue->webUrl;
  const json stored = gitlab_.issue("sec/team", 263);
  ASSERT_FALSE(stored.is_null());
  EXPECT_EQ(stored["description"], "facts");
}

TEST_F(GitLabIssuesTest, ListFiltersByStateLabelsAndTitleSearch) {
  ASSERT_TRUE(api_.createIssue("sec/team", {"Service account token expiring: a / x (id 1)", "", {"pat-expiry"}}));
  ASSERT_TRUE(api_.createIssue("sec/team", {"Service account token expiring: a / y (id 2)", "", {"other"}}));
  ASSERT_TRUE(api_.createIssue("6", {"Unrelated", "mentions (id 1) in the description", {"pat-expiry"}}));

  IssueQuery q;
  q.labels = {"pat-expiry"};
  auto open = api_.listIssues("sec/team", q);
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_EQ(open->size(), 3u);   // the seeded 262 carries pat-expiry too

  q.search = "(id 1)";
  auto one = api_.listIssues("sec/team", q);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u) << "search must look at titles only";
  EXPECT_EQ(one->front().title, "Service account token expiring: a / x (id 1)");

  ASSERT_TRUE(api_.closeIssue("sec/team", one->front().iid));
  EXPECT_TRUE(api_.listIssues("sec/team", q)->empty());
  q.state = "closed";
  EXPECT_EQ(api_.listIssues("sec/team", q)->size(), 1u);
}

TEST_F(GitLabIssuesTest, ListFollowsPagination) {
  for (int i = 0; i < 130; ++i) {
    ASSERT_TRUE(api_.createIssue("sec/team", {"bulk " + std::to_string(i), "", {"bulk"}}));
  }
  IssueQuery q;
  q.labels = {"bulk"};
  auto all = api_.listIssues("sec/team", q);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), 130u);
}

TEST_F(GitLabIssuesTest, MissingProjectIsNotFoundAndCreateIsNotRetried) {
  auto missing = api_.listIssues("no/such", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  fakes::Faults f;
  f.rate500 = 1.0;
  gitlab_.fake().setFaults(f);
  int before = issuePosts();
  auto failed = api_.createIssue("sec/team", {"t", "", {}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(issuePosts() - before, 1) << "a create must never be repeated";
}

TEST(GitLabIssuesJson, ParsesListsAndWritesTheCreateBody) {
  auto list = parseIssues(R"([{"iid":3,"title":"T","state":"opened","labels":["a","b"],"web_url":"u"},
                              {"iid":4,"title":"U","state":"closed","labels":[]}])");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*list)[1].state, "closed");
  EXPECT_FALSE(parseIssues(R"([{"title":"no iid","state":"opened"}])"));
  EXPECT_FALSE(parseIssues(R"({"iid":1})"));

  auto body = toJson(IssueSpec{"T", "D", {"pat-expiry", "security"}});
  EXPECT_EQ(body, json({{"title", "T"}, {"description", "D"}, {"labels", "pat-expiry,security"}}));
  EXPECT_FALSE(toJson(IssueSpec{"T", "", {}}).contains("labels"));
}

}  // namespace
}  // namespace patbot::gitlab
