// The two rotation strategies of issue 16 against the simulated GitLab (in process, through
// RestGitLabApi), a real SQLite journal and audit trail and a FakeClock: rotate (GitLab's rotate,
// same bot user, the old value dies at once; a lost answer is looked at and the successor rotated
// at most once more) and replace (create → deliver → verify → revoke, a new bot user), the
// pre-flight of patbot's access and of replace's bot-user ties, expired tokens, and the decisions
// a stopped rotate offers. Fixture: tests/handlers/rotation_strategy_fixture.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "handlers/rotation_preflight.h"
#include "storage/audit_hash.h"
#include "tests/handlers/rotation_strategy_fixture.h"
#include "tests/support/log_capture.h"

namespace patbot::handlers::testing {
namespace {

using RotationStrategyTest = RotationStrategyFixture;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool anyNoteContains(const RotationPlan& plan, const std::string& part) {
  return std::any_of(plan.notes.begin(), plan.notes.end(), [&](const std::string& n) { return contains(n, part); });
}

std::string joined(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += n + " | ";
  return out;
}

// Every value of every token the fake holds that appears in `text` (the values' ids).
std::vector<int64_t> valuesIn(const nlohmann::json& state, const std::string& text) {
  std::vector<int64_t> found;
  for (const auto& t : state["tokens"]) {
    if (contains(text, t["value"].get<std::string>())) found.push_back(t["id"].get<int64_t>());
  }
  return found;
}

// The audit trail's and the journal's text: targets, details, plans, errors.
std::string storedText(storage::AuditStore& audit, storage::RotationJournal& journal, int64_t rotationId) {
  std::string text;
  storage::AuditQuery q;
  q.limit = storage::SqliteAuditStore::kMaxLimit;
  auto rows = audit.latest(q);
  EXPECT_TRUE(rows) << rows.error().message;
  if (rows) {
    for (const auto& e : *rows) text += e.record.target + e.record.detail.dump() + e.record.outcome;
  }
  if (auto record = journal.find(rotationId); record && *record) text += (*record)->plan.dump() + (*record)->error;
  if (auto steps = journal.steps(rotationId)) {
    for (const auto& st : *steps) text += st.step + st.phase + st.detail.dump();
  }
  return text;
}

std::vector<std::string> auditActions(storage::AuditStore& audit) {
  std::vector<std::string> actions;
  storage::AuditQuery q;
  q.limit = storage::SqliteAuditStore::kMaxLimit;
  auto rows = audit.latest(q);
  EXPECT_TRUE(rows) << rows.error().message;
  if (rows) {
    for (const auto& e : *rows) actions.push_back(e.record.action + ":" + e.record.outcome);
  }
  return actions;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// --- strategy rotate

TEST_F(RotationStrategyTest, RotateKeepsTheBotUserDeliversAndCompletes) {
  auto req = strategyRequest("project:ext/app/deploy-token");
  std::optional<RotationPlan> plan;
  Result<RotationResult> result = Error::make(ErrorKind::kInternal, "not run");
  const std::string logs = patbot::testing::logsOf([&] {
    auto planned = engine_->plan(req);
    ASSERT_TRUE(planned) << planned.error().message;
    plan = *planned;
    result = engine_->execute(*plan, req, sink_);
  });
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->strategy, RotationStrategy::kRotate) << "rotate is a project token's default";
  EXPECT_TRUE(plan->immediate);
  EXPECT_EQ(plan->target(), "project ext/app · deploy-token");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  ASSERT_TRUE(result->newToken);
  const int64_t newId = result->newToken->id;

  EXPECT_EQ(rotateCalls(), 1);
  EXPECT_EQ(gitlab_->calls("POST", "/projects/7/access_tokens/201/rotate"), 1);
  EXPECT_EQ(gitlab_->calls("DELETE", "/access_tokens"), 0) << "GitLab's rotate revokes the old token itself";
  EXPECT_TRUE(revoked(kAppToken));
  auto fresh = token(newId);
  EXPECT_FALSE(fresh["revoked"].get<bool>());
  EXPECT_EQ(fresh["user_id"], kAppBot) << "rotate keeps the bot user";
  EXPECT_EQ(fresh["name"], kAppTokenName);
  EXPECT_EQ(fresh["access_level"], 40);
  EXPECT_EQ(fresh["expires_at"], "2027-11-28");
  EXPECT_TRUE(userExists(kAppBot));
  EXPECT_EQ(variableValue("APP_TOKEN"), fresh["value"]);
  EXPECT_EQ(variableValue("GROUP_TOKEN"), kGroupValue) << "another token's consumer is untouched";
  EXPECT_EQ(result->pipelineStatus, "success");

  auto record = journal_->find(result->rotationId);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->state, RotationState::kCompleted);
  EXPECT_EQ((*record)->newTokenId, newId);
  EXPECT_EQ((*record)->plan.value("strategy", ""), "rotate");
  auto actions = auditActions(*audit_);
  for (const char* a : {"rotation.start:started", "rotation.create:ok", "rotation.deliver:ok", "rotation.verify:ok"}) {
    EXPECT_TRUE(has(actions, a)) << a;
  }
  auto verified = audit_->verify();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->firstBadId);
  // No token value in the audit trail, the journal or the logs.
  auto state = gitlab_->state();
  EXPECT_TRUE(valuesIn(state, storedText(*audit_, *journal_, result->rotationId)).empty());
  EXPECT_TRUE(valuesIn(state, logs).empty());
  EXPECT_TRUE(valuesIn(state, result->summary).empty());
}

TEST_F(RotationStrategyTest, RotateOfAGroupTokenKeepsItsBotUser) {
  auto result = rotate(strategyRequest("group:ext/group-deploy"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(gitlab_->calls("POST", "/groups/300/access_tokens/202/rotate"), 1);
  EXPECT_EQ(rotateCalls(), 1);
  EXPECT_TRUE(revoked(kGroupToken));
  auto fresh = token(result->newToken->id);
  EXPECT_EQ(fresh["user_id"], kGroupBot);
  EXPECT_EQ(fresh["access_level"], 30);
  EXPECT_EQ(variableValue("GROUP_TOKEN"), fresh["value"]);
  EXPECT_EQ(variableValue("APP_TOKEN"), kAppValue);
}

// Strategy rotate of a service account's personal token (instance mode): POST
// /personal_access_tokens/:id/rotate, same user, every consumer, the pipeline and the issue.
TEST_F(RotationStrategyTest, RotateOfAPersonalTokenInInstanceMode) {
  auto plan = engine_->plan(strategyRequest("101", RotationStrategy::kRotate));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(anyNoteContains(*plan, "Strategy rotate")) << joined(plan->notes);
  auto result = engine_->execute(*plan, strategyRequest("101", RotationStrategy::kRotate), sink_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(gitlab_->calls("POST", "/personal_access_tokens/101/rotate"), 1);
  EXPECT_EQ(rotateCalls(), 1);
  EXPECT_EQ(gitlab_->calls("POST", "/users/10/personal_access_tokens"), 0) << "nothing created";
  EXPECT_TRUE(revoked(101));
  auto fresh = token(result->newToken->id);
  EXPECT_EQ(fresh["user_id"], 10);
  EXPECT_EQ(fresh["name"], kInventoryTokenName);
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), fresh["value"]);
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), fresh["value"]);
  EXPECT_EQ(result->pipelineStatus, "success");
  EXPECT_EQ(gitlab_->issue("sec/team", 262)["state"], "closed");
}

// --- strategy replace

TEST_F(RotationStrategyTest, ReplaceGivesAProjectTokenANewBotUserAtTheSameLevel) {
  auto req = strategyRequest("project:ext/app/deploy-token", RotationStrategy::kReplace);
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(plan->immediate);
  EXPECT_TRUE(anyNoteContains(*plan, "Strategy replace")) << joined(plan->notes);
  EXPECT_TRUE(anyNoteContains(*plan, "new bot user")) << joined(plan->notes);
  auto result = engine_->execute(*plan, req, sink_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(rotateCalls(), 0);
  EXPECT_EQ(gitlab_->calls("POST", "/projects/7/access_tokens"), 1);
  auto fresh = token(result->newToken->id);
  EXPECT_FALSE(fresh["revoked"].get<bool>());
  EXPECT_NE(fresh["user_id"], kAppBot) << "a created token has its own bot user";
  EXPECT_EQ(fresh["access_level"], 40);
  EXPECT_EQ(fresh["resource_type"], "project");
  EXPECT_EQ(fresh["resource_id"], kAppProject);
  EXPECT_EQ(fresh["name"], kAppTokenName);
  EXPECT_TRUE(revoked(kAppToken));
  EXPECT_FALSE(userExists(kAppBot)) << "GitLab deletes the old bot user with its token";
  EXPECT_EQ(variableValue("APP_TOKEN"), fresh["value"]);
  EXPECT_EQ(result->pipelineStatus, "success");
}

struct Tie {
  const char* name;
  const char* route;
  nlohmann::json body;
  const char* says;   // what the refusal names
};

// Each kind of tie the old bot user may have refuses replace, naming it, before anything changes.
TEST_F(RotationStrategyTest, ReplaceIsRefusedForEachTieOfTheOldBotUser) {
  const std::vector<Tie> ties = {
      {"membership of another project", "/_fake/members",
       {{"user_id", kAppBot}, {"project", "sec/team"}, {"access_level", 30}}, "member of project"},
      {"membership of a group", "/_fake/members", {{"user_id", kAppBot}, {"group", "sec"}, {"access_level", 20}},
       "member of group"},
      {"protected branch push rule", "/_fake/protected_branches",
       {{"project", "ext/app"}, {"name", "main"}, {"kind", "push"}, {"user_id", kAppBot}},
       "may push to protected branch main"},
      {"protected branch merge rule", "/_fake/protected_branches",
       {{"project", "ext/app"}, {"name", "release"}, {"kind", "merge"}, {"user_id", kAppBot}},
       "may merge into protected branch release"},
      {"protected environment deploy rule", "/_fake/protected_environments",
       {{"project", "ext/app"}, {"name", "production"}, {"kind", "deploy"}, {"user_id", kAppBot}},
       "may deploy to protected environment production"},
  };
  for (const auto& tie : ties) {
    SCOPED_TRACE(tie.name);
    startStrategyGitLab(Patbot::kAdmin);
    control(tie.route, tie.body);
    auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token", RotationStrategy::kReplace));
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidInput);
    const std::string& why = plan.error().message;
    EXPECT_TRUE(contains(why, tie.says)) << why;
    EXPECT_TRUE(contains(why, "strategy rotate")) << "offers the way that keeps the bot user: " << why;
    EXPECT_TRUE(contains(why, "Nothing was changed")) << why;
    // Nothing changed in GitLab: no create, no rotate, no variable write, no revoke.
    EXPECT_EQ(gitlab_->calls("POST", "/access_tokens"), 0);
    EXPECT_EQ(gitlab_->calls("PUT", "/variables"), 0);
    EXPECT_EQ(gitlab_->calls("DELETE", "/"), 0);
    EXPECT_FALSE(revoked(kAppToken));
    EXPECT_TRUE(userExists(kAppBot));
    EXPECT_EQ(variableValue("APP_TOKEN"), kAppValue);
    auto open = journal_->unfinished();
    ASSERT_TRUE(open);
    EXPECT_TRUE(open->empty());
  }
  // Without ties the same plan passes (and rotate never looks for them).
  startStrategyGitLab(Patbot::kAdmin);
  EXPECT_TRUE(engine_->plan(strategyRequest("project:ext/app/deploy-token", RotationStrategy::kReplace)));
}

// A tie of a group token's bot user (its memberships: groups have no protected branches).
TEST_F(RotationStrategyTest, ReplaceOfAGroupTokenIsRefusedForAMembershipElsewhere) {
  control("/_fake/members", {{"user_id", kGroupBot}, {"project", "sec/inventory-builder"}, {"access_level", 30}});
  auto plan = engine_->plan(strategyRequest("group:ext/group-deploy", RotationStrategy::kReplace));
  ASSERT_FALSE(plan);
  EXPECT_TRUE(contains(plan.error().message, "member of project")) << plan.error().message;
  EXPECT_TRUE(engine_->plan(strategyRequest("group:ext/group-deploy"))) << "rotate keeps the bot user: no tie matters";
}

// patbot cannot look at the bot user's memberships without an administrator's token: replace is
// refused rather than risk losing what it cannot see.
TEST_F(RotationStrategyTest, ReplaceIsRefusedWhenTheMembershipsCannotBeListed) {
  startStrategyGitLab(Patbot::kGroupOwner);
  auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token", RotationStrategy::kReplace));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(contains(plan.error().message, "cannot check what is tied to it")) << plan.error().message;
  EXPECT_TRUE(contains(plan.error().message, "administrator")) << plan.error().message;
  EXPECT_TRUE(contains(plan.error().message, "Use strategy rotate")) << plan.error().message;
  EXPECT_EQ(gitlab_->calls("POST", "/access_tokens"), 0);
  EXPECT_EQ(gitlab_->calls("PUT", "/variables"), 0);
  EXPECT_FALSE(revoked(kAppToken));
}

// --- permissions

TEST_F(RotationStrategyTest, AnAdministratorMayRotateAndThePlanSaysSo) {
  auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(anyNoteContains(*plan, "patbot's token is an administrator: it may rotate this Maintainer token."))
      << joined(plan->notes);
  EXPECT_TRUE(anyNoteContains(*plan, "keeps the token's user")) << joined(plan->notes);
  EXPECT_TRUE(anyNoteContains(*plan, "stops working at once")) << joined(plan->notes);
}

TEST_F(RotationStrategyTest, AMaintainerMayRotateAProjectTokenOfItsLevel) {
  startStrategyGitLab(Patbot::kGroupOwner);
  auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(anyNoteContains(*plan, "patbot's token is Maintainer on project ext/app: it may rotate this Maintainer "
                                     "token."))
      << joined(plan->notes);
  auto result = engine_->execute(*plan, strategyRequest("project:ext/app/deploy-token"), sink_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(token(result->newToken->id)["user_id"], kAppBot);
  EXPECT_EQ(variableValue("APP_TOKEN"), token(result->newToken->id)["value"]);
}

// A Developer may not even list the project's tokens, so the plan already stops at the inventory:
// refused, naming the project, nothing changed.
TEST_F(RotationStrategyTest, ADeveloperPatbotIsRefused) {
  startStrategyGitLab(Patbot::kGroupOwner);
  control("/_fake/members", {{"user_id", 2}, {"project", "ext/app"}, {"access_level", 30}});
  for (auto strategy : {RotationStrategy::kRotate, RotationStrategy::kReplace}) {
    SCOPED_TRACE(strategyName(strategy));
    auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token", strategy));
    ASSERT_FALSE(plan);
    EXPECT_TRUE(contains(plan.error().message, "ext/app")) << plan.error().message;
  }
  EXPECT_EQ(rotateCalls(), 0);
  EXPECT_EQ(gitlab_->calls("POST", "/access_tokens"), 0);
  EXPECT_EQ(gitlab_->calls("PUT", "/variables"), 0);
  EXPECT_FALSE(revoked(kAppToken));
}

// patbot demoted to Developer after its plan: the pre-flight says what patbot is and what it
// needs, and a plan run anyway is refused by GitLab with nothing changed.
TEST_F(RotationStrategyTest, APreflightOfADeveloperSaysWhatManagingTokensNeeds) {
  startStrategyGitLab(Patbot::kGroupOwner);
  auto req = strategyRequest("project:ext/app/deploy-token");
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan) << plan.error().message;
  control("/_fake/members", {{"user_id", 2}, {"project", "ext/app"}, {"access_level", 30}});
  RotationPlan again = *plan;
  again.notes.clear();
  auto checked = preflightStrategy(*api_, again, utcDay(clock_.now()));
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(checked.error().message,
            "patbot's token is Developer on project ext/app; managing project access tokens needs Maintainer or "
            "higher. Nothing was changed.");
  auto result = engine_->execute(*plan, req, sink_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kFailed) << result->summary;
  EXPECT_TRUE(contains(result->summary, "Nothing was changed")) << result->summary;
  EXPECT_FALSE(revoked(kAppToken));
  EXPECT_EQ(variableValue("APP_TOKEN"), kAppValue);
}

// A group token needs Owner: an Owner of the project's group may; a Maintainer of the group is
// refused (GitLab does not let it list the group's tokens).
TEST_F(RotationStrategyTest, AGroupTokenNeedsAnOwner) {
  startStrategyGitLab(Patbot::kGroupOwner);
  control("/_fake/members", {{"user_id", 2}, {"group", "ext"}, {"access_level", 40}});
  gitlab::TokenOwner ext{kExtGroup, "ext", "", TokenKind::kGroup};
  auto listed = api_->listTokens(ext);
  ASSERT_FALSE(listed) << "a Maintainer may not list a group's tokens";
  RotationPlan plan;
  plan.account = ext;
  plan.oldToken.id = kGroupToken;
  plan.oldToken.name = kGroupTokenName;
  plan.oldToken.accessLevel = 30;
  plan.strategy = RotationStrategy::kRotate;
  auto checked = preflightStrategy(*api_, plan, utcDay(clock_.now()));
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message,
            "patbot's token is Maintainer on group ext; managing group access tokens needs Owner or higher. "
            "Nothing was changed.");
  control("/_fake/members", {{"user_id", 2}, {"group", "ext"}, {"access_level", 50}});
  plan.notes.clear();
  EXPECT_TRUE(preflightStrategy(*api_, plan, utcDay(clock_.now())));
  EXPECT_TRUE(anyNoteContains(plan, "patbot's token is Owner on group ext: it may rotate this Developer token."))
      << joined(plan.notes);
}

TEST_F(RotationStrategyTest, ATokenAbovePatbotsLevelIsRefused) {
  startStrategyGitLab(Patbot::kGroupOwner, strategySeed(/*appTokenLevel=*/50));
  auto plan = engine_->plan(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kForbidden);
  EXPECT_TRUE(contains(plan.error().message, "is a Owner token and patbot's token is only Maintainer on project ext/app"))
      << plan.error().message;
  EXPECT_TRUE(contains(plan.error().message, "Nothing was changed")) << plan.error().message;
  EXPECT_EQ(rotateCalls(), 0);
  EXPECT_FALSE(revoked(kAppToken));
  // An administrator may.
  startStrategyGitLab(Patbot::kAdmin, strategySeed(/*appTokenLevel=*/50));
  auto admin = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(admin) << admin.error().message;
  EXPECT_EQ(admin->state, RotationState::kCompleted) << admin->summary;
  EXPECT_EQ(token(admin->newToken->id)["access_level"], 50);
}

// --- expired tokens

TEST_F(RotationStrategyTest, AnExpiredTokenIsNotRotatedButMayBeReplaced) {
  startStrategyGitLab(Patbot::kAdmin, strategySeed(40, /*appTokenExpires=*/-1));
  auto refused = engine_->plan(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(contains(refused.error().message, "expired on 2026-11-27")) << refused.error().message;
  EXPECT_TRUE(contains(refused.error().message, "--strategy replace")) << refused.error().message;
  EXPECT_EQ(rotateCalls(), 0);

  auto req = strategyRequest("project:ext/app/deploy-token", RotationStrategy::kReplace);
  auto replaced = rotate(req);
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(replaced->state, RotationState::kCompleted) << replaced->summary;
  EXPECT_EQ(rotateCalls(), 0);
  auto fresh = token(replaced->newToken->id);
  EXPECT_FALSE(fresh["revoked"].get<bool>());
  EXPECT_EQ(fresh["expires_at"], "2027-11-28");
  EXPECT_EQ(variableValue("APP_TOKEN"), fresh["value"]);
  EXPECT_TRUE(revoked(kAppToken));
}

// --- a rotate whose answer is lost

// GitLab rotated, the answer was lost (a 500 after the work): the engine looks at the old token,
// finds its successor, rotates that once more, delivers and completes. Two rotates in all.
TEST_F(RotationStrategyTest, ALostRotateAnswerRotatesTheSuccessorOnceMore) {
  fakes::Faults faults;
  faults.schedule = {{"POST", "/api/v4/projects/7/access_tokens/201/rotate", 1, "500_after"}};
  gitlab_->fake().setFaults(faults);
  auto result = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(rotateCalls(), 2);
  ASSERT_TRUE(result->newToken);
  const int64_t finalId = result->newToken->id;
  auto fresh = token(finalId);
  EXPECT_FALSE(fresh["revoked"].get<bool>());
  EXPECT_EQ(fresh["user_id"], kAppBot);
  EXPECT_EQ(variableValue("APP_TOKEN"), fresh["value"]);
  // Old → lost successor → final, each revoked by the rotate that followed it.
  EXPECT_TRUE(revoked(kAppToken));
  int active = 0;
  const nlohmann::json state = gitlab_->state();   // kept alive while iterating
  for (const auto& t : state["tokens"]) {
    if (t["name"] == kAppTokenName && !t["revoked"].get<bool>()) ++active;
  }
  EXPECT_EQ(active, 1);
  // The journal names the token that was delivered, with its value's digest (recovery finds the
  // value in a consumer by it), not the lost successor.
  auto record = journal_->find(result->rotationId);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->newTokenId, finalId);
  EXPECT_EQ((*record)->newValueSha256, storage::sha256Hex(fresh["value"].get<std::string>()));
  auto steps = journal_->steps(result->rotationId);
  ASSERT_TRUE(steps);
  EXPECT_TRUE(std::any_of(steps->begin(), steps->end(), [](const auto& s) { return s.step == "rerotate" && s.phase == "start"; }));
  auto actions = auditActions(*audit_);
  EXPECT_TRUE(has(actions, "rotation.create:unknown_outcome"));
  EXPECT_TRUE(has(actions, "rotation.rerotate:ok"));
  EXPECT_TRUE(valuesIn(gitlab_->state(), storedText(*audit_, *journal_, result->rotationId)).empty());
}

// The rotate got no answer and GitLab did not rotate (a 500 before the work): nothing changed,
// and the rotate is not tried again.
TEST_F(RotationStrategyTest, ALostRotateThatDidNotHappenChangesNothing) {
  fakes::Faults faults;
  faults.schedule = {{"POST", "/api/v4/projects/7/access_tokens/201/rotate", 1, "500_before"}};
  gitlab_->fake().setFaults(faults);
  auto result = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kFailed) << result->summary;
  EXPECT_TRUE(contains(result->summary, "GitLab did not rotate it")) << result->summary;
  EXPECT_TRUE(contains(result->summary, "Nothing was changed")) << result->summary;
  EXPECT_EQ(rotateCalls(), 1);
  EXPECT_FALSE(revoked(kAppToken));
  EXPECT_EQ(gitlab_->activeTokensNamed(kAppTokenName), 1);
  EXPECT_EQ(variableValue("APP_TOKEN"), kAppValue);
  EXPECT_EQ(gitlab_->calls("PUT", "/variables"), 0);
}

// The same with an answer that never arrives (the transport times out after GitLab did the work).
TEST_F(RotationStrategyTest, ARotateThatTimesOutAfterItsEffectIsFoundAndRotatedOnceMore) {
  int seen = 0;
  transport_->intercept = [&](const http::ClientRequest& r) -> std::optional<Result<http::ClientResponse>> {
    if (r.method != "POST" || !contains(r.url, "/rotate") || ++seen != 1) return std::nullopt;
    (void)transport_->forward(r);
    return Result<http::ClientResponse>(Error::make(ErrorKind::kTimeout, "no answer within 30 s"));
  };
  auto result = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kCompleted) << result->summary;
  EXPECT_EQ(rotateCalls(), 2);
  EXPECT_EQ(variableValue("APP_TOKEN"), token(result->newToken->id)["value"]);
  EXPECT_FALSE(revoked(result->newToken->id));
}

// Both the rotate and the extra rotate lose their answers: patbot stops for a person instead of a
// third rotate, and says what to do.
TEST_F(RotationStrategyTest, ASecondLostAnswerStopsForAPersonWithoutAThirdRotate) {
  fakes::Faults faults;
  faults.schedule = {{"POST", "/api/v4/projects/7/access_tokens/201/rotate", 1, "500_after"}};
  // The successor's id is the next the fake gives out: every rotate of another id also fails.
  for (int64_t id = 203; id < 210; ++id) {
    faults.schedule.push_back({"POST", "/api/v4/projects/7/access_tokens/" + std::to_string(id) + "/rotate", 1, "500_after"});
  }
  gitlab_->fake().setFaults(faults);
  auto result = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->state, RotationState::kAwaitingDecision) << result->summary;
  EXPECT_EQ(rotateCalls(), 2);
  EXPECT_TRUE(contains(result->summary, "/pat rotate")) << result->summary;
  EXPECT_EQ(result->decisions, std::vector<Decision>{Decision::kAbandon});
  // A restart does not rotate a third time either.
  makeEngine();
  (void)engine_->recover();
  EXPECT_EQ(rotateCalls(), 2);
}

// --- restarts (every call: rotation_strategy_crash_sweep_test.cpp)

// Killed after GitLab rotated, before its answer arrived: the value died with the process, so
// recovery finds the successor, rotates it once more with patbot's own token and delivers that.
TEST_F(RotationStrategyTest, ARestartAfterTheRotateRotatesTheSuccessorOnceMoreAndDelivers) {
  crashAt("POST", "/access_tokens/201/rotate", /*afterEffect=*/true);
  auto req = strategyRequest("project:ext/app/deploy-token");
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_THROW((void)engine_->execute(*plan, req, sink_), SimulatedCrash);
  transport_->intercept = nullptr;
  EXPECT_EQ(variableValue("APP_TOKEN"), kAppValue) << "a consumer on a dead token until recovery";
  makeEngine();
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(contains(lines[0], "rotated once more")) << lines[0];
  EXPECT_EQ(rotateCalls(), 2);
  auto record = journal_->findByRequestKey("strategy-1");
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->state, RotationState::kCompleted) << lines[0];
  ASSERT_TRUE((*record)->newTokenId);
  auto fresh = token(*(*record)->newTokenId);
  EXPECT_FALSE(fresh["revoked"].get<bool>());
  EXPECT_EQ(fresh["user_id"], kAppBot);
  EXPECT_EQ(variableValue("APP_TOKEN"), fresh["value"]);
  EXPECT_EQ(gitlab_->activeTokensNamed(kAppTokenName), 1);
}

// Killed while closing the tracking issue, after delivery and verification: recovery finishes it
// (it used to leave the rotation "verified" forever: recoverRotation had no case for it).
TEST_F(RotationStrategyTest, ARestartAfterVerificationFinishesTheRotate) {
  crashAt("POST", "/notes", /*afterEffect=*/false);
  auto req = strategyRequest("101", RotationStrategy::kRotate);
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_THROW((void)engine_->execute(*plan, req, sink_), SimulatedCrash);
  transport_->intercept = nullptr;
  makeEngine();
  auto lines = engine_->recover();
  ASSERT_EQ(lines.size(), 1u);
  auto record = journal_->findByRequestKey("strategy-1");
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->state, RotationState::kCompleted) << lines[0];
  EXPECT_EQ(rotateCalls(), 1);
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), token(*(*record)->newTokenId)["value"]);
  auto open = journal_->unfinished();
  ASSERT_TRUE(open);
  EXPECT_TRUE(open->empty());
}

// --- decisions

// Stopped at delivery, a rotate can only go forward (Retry) or be closed (Abandon): the old value
// is dead, so there is nothing to roll back to and nothing left to revoke.
TEST_F(RotationStrategyTest, ARotateStoppedAtDeliveryOffersRetryAndAbandonOnly) {
  refuse("PUT", "/variables/");
  auto result = rotate(strategyRequest("project:ext/app/deploy-token"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->state, RotationState::kAwaitingDecision) << result->summary;
  EXPECT_EQ(result->decisions, (std::vector<Decision>{Decision::kRetry, Decision::kAbandon}));
  EXPECT_TRUE(contains(result->summary, "GitLab's rotate")) << result->summary;
  EXPECT_FALSE(revoked(result->newToken->id)) << "the new token is the only valid one";
  auto pending = engine_->rotationOwning(result->newToken->id);
  ASSERT_TRUE(pending && *pending);
  EXPECT_EQ((*pending)->decisions, (std::vector<Decision>{Decision::kRetry, Decision::kAbandon}));
  for (auto never : {Decision::kRollBack, Decision::kRevokeOld}) {
    auto refused = engine_->decide(result->rotationId, never, "U0BOB0002", sink_);
    ASSERT_FALSE(refused) << decisionName(never);
    EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  }
  transport_->intercept = nullptr;
  auto retried = engine_->decide(result->rotationId, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->result.state, RotationState::kCompleted) << retried->result.summary;
  EXPECT_EQ(variableValue("APP_TOKEN"), token(result->newToken->id)["value"]);
  EXPECT_EQ(rotateCalls(), 1);
}

// A delivery that reached one consumer of two: still Retry / Abandon, and the sentence does not
// claim the old token is kept or offer a roll back.
TEST_F(RotationStrategyTest, ARotateStoppedHalfWayThroughDeliveryOffersNoRollBack) {
  refuse("PUT", "/groups/");
  auto result = rotate(strategyRequest("101", RotationStrategy::kRotate));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->state, RotationState::kAwaitingDecision) << result->summary;
  EXPECT_EQ(result->decisions, (std::vector<Decision>{Decision::kRetry, Decision::kAbandon}));
  EXPECT_FALSE(contains(result->summary, "roll back")) << result->summary;
  EXPECT_FALSE(contains(result->summary, "Both tokens are kept")) << result->summary;
  EXPECT_EQ(variableValue("GITLAB_API_TOKEN"), token(result->newToken->id)["value"]);
  // After a restart the value is still in the project variable: Retry finishes with it.
  makeEngine();
  auto pending = engine_->rotationOwning(result->newToken->id);
  ASSERT_TRUE(pending && *pending);
  for (auto d : (*pending)->decisions) {
    EXPECT_NE(d, Decision::kRollBack);
    EXPECT_NE(d, Decision::kRevokeOld);
  }
  transport_->intercept = nullptr;
  auto retried = engine_->decide(result->rotationId, Decision::kRetry, "U0BOB0002", sink_);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->result.state, RotationState::kCompleted) << retried->result.summary;
  EXPECT_EQ(variableValue("INVENTORY_TOKEN"), token(result->newToken->id)["value"]);
}

}  // namespace
}  // namespace patbot::handlers::testing
