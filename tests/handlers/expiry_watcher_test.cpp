// ExpiryWatcher against the in-process fake GitLab (through RestGitLabApi), a real SQLite file
// (re-opened to simulate restarts), the OutboxNotifier in front of a recording Slack notifier, and
// a FakeClock. The outbox's own rules are tested in outbox_notifier_test.cpp.
#include "handlers/expiry_watcher.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <sys/wait.h>

#include "gitlab/forwarding_gitlab_api.h"
#include "gitlab/rest_gitlab_api.h"
#include "handlers/pat_status_handler.h"
#include "handlers/rotation_messages.h"
#include "sim/fake_gitlab.h"
#include "sim/seeds.h"
#include "slack/block_kit.h"
#include "storage/database.h"
#include "storage/rotation_journal.h"
#include "storage/sqlite_audit_store.h"
#include "storage/watcher_store.h"
#include "tests/support/database.h"
#include "tests/support/fake_gitlab_transport.h"
#include "tests/support/temp_dir.h"

namespace patbot::handlers {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kInventoryName = "GitLab Security Service - Architecture - Inventory";
constexpr const char* kChannel = "C0NOTIFY01";

// Records chat.postMessage calls; fails them while `down` is set.
class RecordingNotifier final : public slack::Notifier {
 public:
  Status respond(const std::string&, const slack::Message&) override { return okStatus(); }
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& message) override {
    std::lock_guard lock(mutex_);
    ++attempts;
    if (down || channel == downChannel) return Error::make(ErrorKind::kUnavailable, "Slack is unreachable");
    posted.push_back({channel, message});
    return slack::PostedMessage{channel, std::to_string(posted.size())};
  }
  Status update(const slack::PostedMessage&, const slack::Message&) override { return okStatus(); }
  size_t postedCount() {
    std::lock_guard lock(mutex_);
    return posted.size();
  }

  std::mutex mutex_;
  bool down = false;
  std::string downChannel;   // only posts to this channel fail
  int attempts = 0;
  std::vector<std::pair<std::string, slack::Message>> posted;
};

// Calls the fake in process; `failIf` makes matching requests answer 500.
class FaultyTransport final : public http::Transport {
 public:
  explicit FaultyTransport(fakes::FakeGitLab& fake) : inner_(fake) {}
  std::function<bool(const http::ClientRequest&)> failIf;
  Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    if (failIf && failIf(request)) {
      http::ClientResponse r;
      r.status = 500;
      r.body = R"({"message":"500 Internal Server Error"})";
      return r;
    }
    return inner_.send(request);
  }

 private:
  patbot::testing::FakeGitLabTransport inner_;
};

// The fake's inventory (service accounts) and, after it, the project and group owners a test puts
// in `resources`: what GitLabApi::inventory() answers once projects and groups are watched (the
// fake lists service accounts only). Every other call goes to the fake.
class WithResources final : public gitlab::ForwardingGitLabApi {
 public:
  using ForwardingGitLabApi::ForwardingGitLabApi;
  Result<gitlab::Inventory> inventory() override {
    auto inv = inner().inventory();
    if (inv) inv->accounts.insert(inv->accounts.end(), resources.begin(), resources.end());
    return inv;
  }
  std::vector<gitlab::AccountTokens> resources;
};

// Token ids named by the Rotate buttons of `m`.
std::vector<int64_t> rotateButtons(const slack::Message& m) {
  std::vector<int64_t> ids;
  for (const auto& b : m.blocks) {
    if (b.contains("accessory") && b["accessory"].value("action_id", "") == kDigestRotateAction) {
      ids.push_back(std::stoll(b["accessory"]["value"].get<std::string>()));
    }
  }
  return ids;
}

std::string allText(const slack::Message& m) { return m.text + "\n" + m.blocks.dump(); }

// The mrkdwn of each digest entry (the sections with a Rotate button) of `m`, in order.
std::vector<std::string> digestLines(const slack::Message& m) {
  std::vector<std::string> lines;
  for (const auto& b : m.blocks) {
    if (b.contains("accessory")) lines.push_back(b["text"]["text"]);
  }
  return lines;
}

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { startFake(fakes::demoSeed(utcDay(clock_.now()))); }

  void startFake(json seed) {
    watcher_.reset();
    seed_ = std::move(seed);
    fake_ = std::make_unique<fakes::FakeGitLab>(seed_, clock_);
    transport_ = std::make_unique<FaultyTransport>(*fake_);
    gitlab::RestGitLabOptions o;
    o.baseUrl = "http://gitlab.test";
    o.token = Secret(fakes::adminTokenOf(seed_));
    o.clock = &clock_;   // retry waits pass on the test's clock, at once
    o.maxAttempts = 2;
    o.metrics = &metrics_;
    api_ = std::make_unique<gitlab::RestGitLabApi>(*transport_, std::move(o));
  }

  // (Re)opens the database and builds a new watcher: what a restart of patbot does.
  // `loseDatabase` deletes the SQLite files first (a restart with an empty volume).
  void restart(bool loseDatabase = false) {
    watcher_.reset();
    withResources_.reset();
    engine_.reset();
    inventory_.reset();
    outbox_.reset();
    store_.reset();
    journal_.reset();
    audit_.reset();
    db_.reset();
    if (loseDatabase) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((dir_.file("patbot.db") + suffix).c_str());
    }
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("patbot.db"), db_));
    store_ = std::make_unique<storage::WatcherStore>(*db_, clock_);
    audit_ = std::make_unique<storage::SqliteAuditStore>(*db_, clock_);
    journal_ = std::make_unique<storage::RotationJournal>(*db_, clock_);
    EngineOptions eo;
    eo.pipelinePollInterval = seconds(0);
    tracking_ = std::make_unique<TrackingIssues>(*store_);
    eo.trackingIssues = tracking_.get();
    engine_ = std::make_unique<RotationEngine>(*api_, *journal_, *audit_, clock_, policy_, eo);
    OutboxOptions oo;
    oo.firstBackoff = seconds(30);
    outbox_ = std::make_unique<OutboxNotifier>(*store_, slack_, clock_, metrics_, oo);
    inventory_ = std::make_unique<CachedInventory>(*store_, clock_);
    WatcherOptions wo;
    wo.notifyChannel = channel_;
    wo.tick = std::chrono::milliseconds(20);
    withResources_ = std::make_unique<WithResources>(*api_);
    withResources_->resources = resources_;
    watcher_ = std::make_unique<ExpiryWatcher>(*withResources_, *store_, *outbox_, *inventory_, *tracking_,
                                               engine_.get(), clock_, policy_, metrics_, wo);
  }

  // A project or group token expiring `daysLeft` days from the clock's today.
  gitlab::AccessToken resourceToken(int64_t id, std::string name, int daysLeft, int accessLevel = 40) const {
    gitlab::AccessToken t;
    t.id = id;
    t.name = std::move(name);
    t.scopes = {"api"};
    t.active = daysLeft > 0;
    t.expiresAt = utcDay(clock_.now()) + days(daysLeft);
    t.accessLevel = accessLevel;
    return t;
  }

  // Project sec/app (id 11, as the seed's deploy-bot user) with a "registry" expiring in 3 days
  // while deploy-bot's own "registry" (103) lives to 12; an expired "deploy-token"; and "ci", which
  // a later "ci" on the same project replaces. Group sec with a "deploy-token" expiring in 7 days.
  std::vector<gitlab::AccountTokens> projectAndGroup() const {
    return {{{11, "sec/app", "App", gitlab::TokenKind::kProject},
             {resourceToken(9001, "registry", 3), resourceToken(9002, "deploy-token", -1), resourceToken(9003, "ci", 5),
              resourceToken(9004, "ci", 300)}},
            {{40, "sec", "Security", gitlab::TokenKind::kGroup}, {resourceToken(9005, "deploy-token", 7, 50)}}};
  }

  TokenPolicy inventoryPolicy(bool withIssue) const {
    TokenPolicy p;
    p.account = "inventory-bot";
    p.name = kInventoryName;
    p.ciVariables = {{"sec/inventory-builder", "GITLAB_API_TOKEN", ""}};
    p.groupVariables = {{"sec", "INVENTORY_TOKEN", ""}};
    p.verifyPipeline = PipelineRef{"sec/inventory-builder", "main"};
    if (withIssue) p.trackingIssue = IssueRef{"sec/team", 262};
    return p;
  }

  // Digest lines posted since `from`, as token id → number of lines naming it.
  std::map<int64_t, int> announcedSince(size_t from) {
    std::map<int64_t, int> out;
    for (size_t i = from; i < slack_.posted.size(); ++i) {
      for (auto id : rotateButtons(slack_.posted[i].second)) ++out[id];
    }
    return out;
  }

  int fakeCalls(const std::string& method, const std::string& pathPart) {
    http::Request r;
    r.method = "GET";
    r.path = "/_fake/calls";
    int n = 0;
    for (const auto& c : json::parse(fake_->handle(r).body)) {
      n += c["method"] == method && c["path"].get<std::string>().find(pathPart) != std::string::npos;
    }
    return n;
  }

  json fakeIssues() {
    auto state = fake_->state();
    for (const auto& p : state["projects"]) {
      if (p["path"] == "sec/team") return p["issues"];
    }
    return json::array();
  }

  patbot::testing::TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-03-02T10:00:00.000Z")};
  json seed_;
  std::unique_ptr<fakes::FakeGitLab> fake_;
  std::unique_ptr<FaultyTransport> transport_;
  MetricsRegistry metrics_;
  std::unique_ptr<gitlab::RestGitLabApi> api_;
  std::vector<gitlab::AccountTokens> resources_;   // project and group owners the watcher also sees
  std::unique_ptr<WithResources> withResources_;
  Policy policy_;
  std::string channel_ = kChannel;
  RecordingNotifier slack_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::WatcherStore> store_;
  std::unique_ptr<TrackingIssues> tracking_;
  std::unique_ptr<storage::SqliteAuditStore> audit_;
  std::unique_ptr<storage::RotationJournal> journal_;
  std::unique_ptr<RotationEngine> engine_;
  std::unique_ptr<OutboxNotifier> outbox_;
  std::unique_ptr<CachedInventory> inventory_;
  std::unique_ptr<ExpiryWatcher> watcher_;
};

TEST_F(WatcherTest, ThresholdsAcrossDaysAndRestartsAreAnnouncedExactlyOnce) {
  // Demo seed: 101 expires in 5 days, 103 (registry) in 12, 106 (nightly-backup) expired yesterday.
  std::map<int, std::map<int64_t, int>> byDay;
  for (int day = 0; day <= 6; ++day) {
    restart();
    size_t before = slack_.posted.size();
    auto report = watcher_->runOnce();
    ASSERT_TRUE(report.scanned) << report.error;
    restart();
    auto again = watcher_->runOnce();   // same day, after a restart: nothing new
    EXPECT_EQ(again.newlyAnnounced, 0) << "day " << day;
    byDay[day] = announcedSince(before);
    clock_.advance(days(1));
  }
  EXPECT_EQ(byDay[0], (std::map<int64_t, int>{{101, 1}, {103, 1}, {106, 1}}));   // 30/14/7, 30/14, expired
  EXPECT_TRUE(byDay[1].empty());
  EXPECT_EQ(byDay[2], (std::map<int64_t, int>{{101, 1}}));                        // 3 days left
  EXPECT_TRUE(byDay[3].empty());
  EXPECT_EQ(byDay[4], (std::map<int64_t, int>{{101, 1}}));                        // 1 day left
  EXPECT_EQ(byDay[5], (std::map<int64_t, int>{{101, 1}, {103, 1}}));              // expired; 7 days left
  EXPECT_TRUE(byDay[6].empty());
  // One digest message per scan that had something new, each posted to the channel.
  ASSERT_EQ(slack_.posted.size(), 4u);
  for (const auto& [channel, m] : slack_.posted) {
    EXPECT_EQ(channel, kChannel);
    EXPECT_FALSE(m.ephemeral);
  }
  const std::string first = allText(slack_.posted[0].second);
  EXPECT_NE(first.find("3 service account tokens need attention"), std::string::npos) << first;
  EXPECT_NE(first.find("`backup-bot / nightly-backup` (id 106) expired yesterday"), std::string::npos) << first;
  EXPECT_NE(first.find("(no replacement)"), std::string::npos);
  EXPECT_NE(first.find("expires in 5 days"), std::string::npos);
  EXPECT_NE(allText(slack_.posted[3].second).find("(id 101) expired today"), std::string::npos);
}

TEST_F(WatcherTest, ARotatedTokenIsNoLongerAnnounced) {
  restart();
  ASSERT_TRUE(watcher_->runOnce().scanned);
  // Replace 103 with a token of the same name that lives longer, and revoke 106.
  ASSERT_TRUE(api_->createToken({11, "deploy-bot", "Deploy"},
                                {"registry", std::nullopt, {"read_registry"}, utcDay(clock_.now()) + days(200)}));
  ASSERT_TRUE(api_->revokeToken({12, "backup-bot", "Backup"}, 106));
  clock_.advance(days(6));   // 103 would cross 7 days, 106 is long expired
  size_t before = slack_.posted.size();
  restart();
  ASSERT_TRUE(watcher_->runOnce().scanned);
  auto announced = announcedSince(before);
  EXPECT_EQ(announced.count(103), 0u);
  EXPECT_EQ(announced.count(106), 0u);
  EXPECT_EQ(announced.count(101), 1u);   // expired now, still unreplaced
}

TEST_F(WatcherTest, PartialScanFailureKeepsTheLastSnapshotAndSaysItIsStale) {
  restart();
  ASSERT_TRUE(watcher_->runOnce().scanned);
  auto before = inventory_->latest();
  ASSERT_TRUE(before);
  size_t tokens = 0;
  for (const auto& a : before->inventory.accounts) tokens += a.tokens.size();

  // Two days later the token list of one account fails (the account list still answers).
  clock_.advance(days(2));
  transport_->failIf = [](const http::ClientRequest& r) { return r.url.find("user_id=12") != std::string::npos; };
  restart();
  size_t posted = slack_.posted.size();
  auto report = watcher_->runOnce();
  EXPECT_FALSE(report.scanned);
  EXPECT_TRUE(report.stale);
  auto snap = inventory_->latest();
  ASSERT_TRUE(snap);
  size_t still = 0;
  for (const auto& a : snap->inventory.accounts) still += a.tokens.size();
  EXPECT_EQ(still, tokens) << "a failed scan must not make tokens disappear";
  EXPECT_EQ(snap->age, days(2));
  // 101 crossed 3 days on the old data: announced, marked stale.
  ASSERT_EQ(slack_.posted.size(), posted + 1);
  const std::string digest = allText(slack_.posted.back().second);
  EXPECT_NE(digest.find("could not be read"), std::string::npos) << digest;
  EXPECT_NE(digest.find("may be stale"), std::string::npos);
  EXPECT_NE(digest.find("(id 101) expires in 3 days"), std::string::npos) << digest;
  const std::string exposition = metrics_.render();
  EXPECT_NE(exposition.find("patbot_scan_errors_total 1\n"), std::string::npos) << exposition;
  EXPECT_NE(exposition.find("token_id=\"106\""), std::string::npos) << "gauges must survive a failed scan";

  transport_->failIf = nullptr;
  ASSERT_TRUE(watcher_->runOnce().scanned);
  EXPECT_EQ(inventory_->latest()->age, seconds(0));
}

TEST_F(WatcherTest, TrackingIssueIsOpenedOnceAcrossRestartsAndClosedByARotation) {
  policy_.watch.trackingProject = "sec/team";
  policy_.tokens = {inventoryPolicy(/*withIssue=*/false)};
  restart();
  auto first = watcher_->runOnce();
  EXPECT_EQ(first.issuesOpened, 3);   // 101, 103, 106
  json issues = fakeIssues();
  int64_t iid101 = 0;
  for (const auto& is : issues) {
    if (is["title"] == std::string("Service account token expiring: inventory-bot / ") + kInventoryName + " (id 101)") {
      iid101 = is["iid"];
      EXPECT_EQ(is["labels"], json::array({"pat-expiry"}));
      const std::string d = is["description"];
      EXPECT_NE(d.find("GITLAB_API_TOKEN"), std::string::npos) << d;
      EXPECT_NE(d.find("Revoke the old token"), std::string::npos) << d;
      EXPECT_EQ(d.find("glpat-"), std::string::npos);
    }
  }
  ASSERT_GT(iid101, 0) << issues.dump();
  EXPECT_NE(allText(slack_.posted.at(0).second).find("/sec/team/-/issues/" + std::to_string(iid101)),
            std::string::npos);

  // Later days, restarts, and even a lost database: no second issue.
  for (int day = 1; day <= 3; ++day) {
    clock_.advance(days(1));
    restart(/*loseDatabase=*/day == 3);
    EXPECT_EQ(watcher_->runOnce().issuesOpened, 0) << "day " << day;
  }
  EXPECT_EQ(fakeCalls("POST", "/projects/sec/team/issues"), 3);
  EXPECT_EQ(fakeIssues().size(), issues.size());

  // The engine finds the issue the watcher remembered and closes it after a successful rotation.
  ASSERT_TRUE(tracking_->openFor(101));
  RotationRequest req;
  req.tokenText = "101";
  req.actor = "U0ALICE001";
  req.requestKey = "k-rotate";
  auto plan = engine_->plan(req);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->issue);
  EXPECT_EQ(plan->issue->iid, iid101);
  NullProgressSink sink;
  auto result = engine_->execute(*plan, req, sink);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->state, storage::RotationState::kCompleted) << result->summary;
  for (const auto& is : fakeIssues()) {
    if (is["iid"] == iid101) {
      EXPECT_EQ(is["state"], "closed");
    }
  }
}

TEST_F(WatcherTest, AutoRotatesTokensWithConsumersAndOnlyWarnsAboutOthers) {
  policy_.watch.autoRotateDaysBefore = 14;
  TokenPolicy registry;   // a [[token]] entry without consumers
  registry.account = "deploy-bot";
  registry.name = "registry";
  policy_.tokens = {inventoryPolicy(/*withIssue=*/true), registry};
  restart();
  auto report = watcher_->runOnce();
  ASSERT_TRUE(report.scanned);
  auto state = fake_->state();
  int activeInventory = 0;
  bool registryUntouched = false;
  for (const auto& t : state["tokens"]) {
    if (t["id"] == 101) {
      EXPECT_TRUE(t["revoked"].get<bool>()) << "101 was not rotated";
    }
    if (t["name"] == kInventoryName && !t["revoked"].get<bool>()) ++activeInventory;
    if (t["id"] == 103) registryUntouched = !t["revoked"].get<bool>();
  }
  EXPECT_EQ(activeInventory, 1);
  EXPECT_TRUE(registryUntouched);
  EXPECT_EQ(fakeCalls("POST", "/personal_access_tokens"), 1) << "only 101 has consumers";

  // The rotation is announced; the digest warns about 103 and 106 but not the rotated 101.
  std::string all;
  std::map<int64_t, int> buttons = announcedSince(0);
  for (const auto& [c, m] : slack_.posted) all += allText(m);
  EXPECT_NE(all.find("Rotated"), std::string::npos) << all;
  EXPECT_EQ(buttons.count(101), 0u);
  EXPECT_EQ(buttons[103], 1);
  EXPECT_EQ(buttons[106], 1);
  storage::AuditQuery query;
  query.limit = 1000;
  auto audit = audit_->latest(query);
  ASSERT_TRUE(audit);
  bool byWatcher = false;
  for (const auto& row : *audit) byWatcher |= row.record.actor == "watcher";
  EXPECT_TRUE(byWatcher);

  // A restart the same day does not rotate again.
  restart();
  watcher_->runOnce();
  EXPECT_EQ(fakeCalls("POST", "/personal_access_tokens"), 1);
}

TEST_F(WatcherTest, FiftyTokensCrossingAtOnceGiveOneDigest) {
  json seed = fakes::demoSeed(utcDay(clock_.now()));
  for (int i = 0; i < 50; ++i) {
    seed["tokens"].push_back({{"id", 500 + i},
                              {"user_id", 14},
                              {"name", "bulk-" + std::to_string(i)},
                              {"scopes", {"read_api"}},
                              {"expires_at", formatDate(utcDay(clock_.now()) + days(6))},
                              {"revoked", false},
                              {"value", "glpat-bulk-" + std::to_string(1000 + i) + "abcdef"}});
  }
  startFake(seed);
  restart();
  auto report = watcher_->runOnce();
  EXPECT_EQ(report.newlyAnnounced, 53);
  // More than fit in one message's 50 blocks: the one digest is split in two parts.
  ASSERT_EQ(slack_.posted.size(), 2u);
  std::map<int64_t, int> seen = announcedSince(0);
  EXPECT_EQ(seen.size(), 53u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
  for (const auto& [c, m] : slack_.posted) {
    EXPECT_LE(m.blocks.size(), slack::kMaxBlocksPerMessage);
    EXPECT_LE(m.blocks.dump().size(), 16000u);
  }
  EXPECT_EQ(slack_.posted[0].second.blocks[0]["type"], "header");
  EXPECT_NE(slack_.posted[0].second.text.find("53 service account tokens need attention"), std::string::npos);
  EXPECT_NE(slack_.posted[1].second.text.find("(part 2 of 2)"), std::string::npos);
  EXPECT_EQ(allText(slack_.posted[0].second).find("glpat-"), std::string::npos);
}

TEST_F(WatcherTest, SlackFailingThenRecoveringDeliversEveryNoticeOnceInOrder) {
  slack_.down = true;
  restart();
  watcher_->runOnce();                       // day 0 digest: first attempt fails
  EXPECT_EQ(slack_.attempts, 1);
  clock_.advance(seconds(10));
  outbox_->flush();                          // backing off: no attempt before 30 s
  EXPECT_EQ(slack_.attempts, 1);
  clock_.advance(seconds(25));
  outbox_->flush();
  EXPECT_EQ(slack_.attempts, 2);
  clock_.advance(days(2));
  restart();                                 // the pending notice survives a restart
  watcher_->runOnce();                       // day 2 digest queued behind it; one attempt
  EXPECT_EQ(slack_.attempts, 3);
  EXPECT_NE(metrics_.render().find("patbot_watcher_notices_pending 2\n"), std::string::npos);

  slack_.down = false;
  clock_.advance(minutes(15));
  outbox_->flush();
  ASSERT_EQ(slack_.posted.size(), 2u);
  EXPECT_NE(slack_.posted[0].second.text.find("3 service account tokens"), std::string::npos);
  EXPECT_NE(slack_.posted[1].second.text.find("1 service account token needs attention"), std::string::npos);
  clock_.advance(hours(1));
  restart();
  outbox_->flush();
  watcher_->runOnce();
  EXPECT_EQ(slack_.posted.size(), 2u) << "a delivered notice must not be sent again";
  EXPECT_NE(metrics_.render().find("patbot_watcher_notices_pending 0\n"), std::string::npos);
}

TEST_F(WatcherTest, TheDigestQueuesBehindOtherAnnouncementsOfItsChannel) {
  restart();
  slack_.down = true;
  ASSERT_TRUE(outbox_->post(kChannel, slack::textMessage("rotation announced earlier", false)));
  slack_.down = false;
  watcher_->runOnce();   // the earlier notice is still backing off: the digest waits behind it
  EXPECT_TRUE(slack_.posted.empty());
  clock_.advance(seconds(31));
  outbox_->flush();
  ASSERT_EQ(slack_.posted.size(), 2u);
  EXPECT_EQ(slack_.posted[0].second.text, "rotation announced earlier");
  EXPECT_NE(slack_.posted[1].second.text.find("3 service account tokens"), std::string::npos);
}

TEST_F(WatcherTest, WithoutANotifyChannelNoticesAreLoggedOnly) {
  channel_ = "";
  restart();
  auto report = watcher_->runOnce();
  EXPECT_EQ(report.newlyAnnounced, 3);
  EXPECT_TRUE(slack_.posted.empty());
  EXPECT_EQ(slack_.attempts, 0);
  restart();
  EXPECT_EQ(watcher_->runOnce().newlyAnnounced, 0);
}

TEST_F(WatcherTest, MetricsExpositionIsValidAndMatchesTheFake) {
  restart();
  ASSERT_TRUE(watcher_->runOnce().scanned);
  const std::string text = metrics_.render();

  std::string path = dir_.file("metrics.prom");
  std::ofstream(path) << text;
  int rc = std::system(("promtool check metrics < " + path + " > " + dir_.file("promtool.out") + " 2>&1").c_str());
  std::ifstream out(dir_.file("promtool.out"));
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  // Exit 1 = unparsable exposition. Exit 3 = lint findings; the one accepted is the unit of
  // patbot_token_days_remaining, a name chosen for alerts written in days (issue 4).
  ASSERT_TRUE(WIFEXITED(rc)) << "promtool did not run";
  const int code = WEXITSTATUS(rc);
  ASSERT_TRUE(code == 0 || code == 3) << "promtool exit " << code << ": " << report << "\n" << text;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    EXPECT_NE(line.find("patbot_token_days_remaining use base unit"), std::string::npos) << line << "\n" << text;
  }

  // Every unrevoked service-account token of the fake has both gauges with the right values.
  const Date today = utcDay(clock_.now());
  std::map<int64_t, std::string> accountOf;
  for (const auto& sa : seed_["service_accounts"]) accountOf[sa["id"]] = sa["username"];
  int checked = 0;
  const json state = fake_->state();
  for (const auto& t : state["tokens"]) {
    auto owner = accountOf.find(t["user_id"]);
    if (owner == accountOf.end()) continue;
    std::string labels = "{kind=\"personal\",account=\"" + owner->second + "\",token_name=\"" +
                         t["name"].get<std::string>() + "\",token_id=\"" + std::to_string(t["id"].get<int64_t>()) +
                         "\"}";
    if (t["revoked"].get<bool>()) {
      EXPECT_EQ(text.find(labels), std::string::npos) << "revoked token " << t["id"];
      continue;
    }
    Date expires = *parseDate(t["expires_at"].get<std::string>());
    auto epoch = std::chrono::duration_cast<seconds>(TimePoint(expires).time_since_epoch()).count();
    EXPECT_NE(text.find("patbot_token_days_remaining" + labels + " " + std::to_string((expires - today).count()) + "\n"),
              std::string::npos)
        << labels;
    EXPECT_NE(text.find("patbot_token_expiry_timestamp_seconds" + labels + " " + std::to_string(epoch) + "\n"),
              std::string::npos)
        << labels;
    ++checked;
  }
  EXPECT_EQ(checked, 9);   // 101–110 without the revoked 104
  EXPECT_NE(text.find("patbot_last_successful_scan_timestamp_seconds"), std::string::npos);
  EXPECT_NE(text.find("patbot_scan_duration_seconds_count 1\n"), std::string::npos);

  // A token revoked in GitLab disappears from the gauges at the next scan.
  ASSERT_TRUE(api_->revokeToken({13, "renovate-bot", "Renovate"}, 108));
  ASSERT_TRUE(watcher_->runOnce().scanned);
  EXPECT_EQ(metrics_.render().find("token_id=\"108\""), std::string::npos);
}

// Project and group tokens are announced beside service accounts' tokens, named with their kind;
// "replaced" looks at the same owner only: deploy-bot's later "registry" replaces nothing of
// project sec/app, although the two owners share the id 11 and the name.
TEST_F(WatcherTest, ProjectAndGroupTokensAreAnnouncedWithTheirKind) {
  resources_ = projectAndGroup();
  restart();
  auto report = watcher_->runOnce();
  ASSERT_TRUE(report.scanned) << report.error;
  EXPECT_EQ(report.newlyAnnounced, 6);
  ASSERT_EQ(slack_.posted.size(), 1u);
  const slack::Message& digest = slack_.posted[0].second;
  EXPECT_EQ(digest.blocks[0]["text"]["text"], "6 tokens need attention");
  EXPECT_EQ(digestLines(digest),
            (std::vector<std::string>{
                "`backup-bot / nightly-backup` (id 106) expired yesterday (2026-03-01) *(no replacement)*",
                "`project sec/app \xC2\xB7 deploy-token` (id 9002) expired yesterday (2026-03-01) *(no replacement)*",
                "`project sec/app \xC2\xB7 registry` (id 9001) expires in 3 days (2026-03-05)",
                std::string("`inventory-bot / ") + kInventoryName + "` (id 101) expires in 5 days (2026-03-07)",
                "`group sec \xC2\xB7 deploy-token` (id 9005) expires in 7 days (2026-03-09)",
                "`deploy-bot / registry` (id 103) expires in 12 days (2026-03-14)"}));
  EXPECT_EQ(announcedSince(0), (std::map<int64_t, int>{{101, 1}, {103, 1}, {106, 1}, {9001, 1}, {9002, 1}, {9005, 1}}))
      << "9003 has a replacement on its own project";

  restart();
  EXPECT_EQ(watcher_->runOnce().newlyAnnounced, 0) << "announced once, by token id, across a restart";
  clock_.advance(days(2));   // 9001 expires tomorrow: its 1-day threshold, and nothing else is new
  restart();
  const size_t before = slack_.posted.size();
  EXPECT_EQ(watcher_->runOnce().newlyAnnounced, 2);   // 9001 (1 day), 101 (3 days)
  ASSERT_EQ(slack_.posted.size(), before + 1);
  EXPECT_EQ(announcedSince(before), (std::map<int64_t, int>{{101, 1}, {9001, 1}}));
  EXPECT_EQ(slack_.posted.back().second.blocks[0]["text"]["text"], "2 tokens need attention");
}

// Each token gets its own tracking issue: the project's "registry" and deploy-bot's "registry"
// (owner id 11 both) are told apart by kind and id, and neither is opened twice, even after the
// database is lost.
TEST_F(WatcherTest, TrackingIssuesOfAProjectTokenAndAServiceAccountTokenNeverMix) {
  policy_.watch.trackingProject = "sec/team";
  resources_ = {{{11, "sec/app", "App", gitlab::TokenKind::kProject}, {resourceToken(9001, "registry", 3)}}};
  restart();
  EXPECT_EQ(watcher_->runOnce().issuesOpened, 4);   // 101, 103, 106, 9001
  std::map<std::string, json> byTitle;   // the watcher's issues (the seed has others)
  for (const auto& is : fakeIssues()) {
    if (is["labels"] == json::array({"pat-expiry"})) byTitle[is["title"]] = is;
  }
  ASSERT_EQ(byTitle.size(), 4u);
  const std::string projectTitle = "Access token expiring: project sec/app \xC2\xB7 registry (id 9001)";
  const std::string accountTitle = "Service account token expiring: deploy-bot / registry (id 103)";
  ASSERT_TRUE(byTitle.count(projectTitle)) << fakeIssues().dump();
  ASSERT_TRUE(byTitle.count(accountTitle));
  const json& project = byTitle[projectTitle];
  EXPECT_NE(project["iid"], byTitle[accountTitle]["iid"]);
  const std::string d = project["description"];
  EXPECT_EQ(d.rfind("patbot found a project access token that needs attention before something breaks.\n\n"
                    "- Project: `sec/app`\n- Token: `registry` (id 9001)\n- Scopes: `api`\n- Role: Maintainer\n",
                    0),
            0u)
      << d;
  EXPECT_NE(allText(slack_.posted.at(0).second).find("/sec/team/-/issues/" + std::to_string(project["iid"].get<int>())),
            std::string::npos);

  for (int day = 1; day <= 3; ++day) {
    clock_.advance(days(1));
    restart(/*loseDatabase=*/day >= 2);
    EXPECT_EQ(watcher_->runOnce().issuesOpened, 0) << "day " << day;
  }
  EXPECT_EQ(fakeCalls("POST", "/projects/sec/team/issues"), 4);
}

// The gauges carry kind and, for a project or group token, its full path as the account.
TEST_F(WatcherTest, MetricsLabelEveryTokenWithItsKind) {
  resources_ = projectAndGroup();
  resources_.push_back({{41, "sec/\"odd\"\npath", "", gitlab::TokenKind::kProject}, {resourceToken(9006, "x", 20)}});
  restart();
  ASSERT_TRUE(watcher_->runOnce().scanned);
  const std::string text = metrics_.render();
  const Date today = utcDay(clock_.now());
  auto epoch = [&](int daysLeft) {
    auto since = TimePoint(today + days(daysLeft)).time_since_epoch();
    return std::to_string(std::chrono::duration_cast<seconds>(since).count());
  };
  for (const std::string line :
       {"patbot_token_days_remaining{kind=\"project\",account=\"sec/app\",token_name=\"registry\",token_id=\"9001\"} 3\n",
        "patbot_token_days_remaining{kind=\"project\",account=\"sec/app\",token_name=\"deploy-token\","
        "token_id=\"9002\"} -1\n",
        "patbot_token_days_remaining{kind=\"group\",account=\"sec\",token_name=\"deploy-token\",token_id=\"9005\"} 7\n",
        "patbot_token_days_remaining{kind=\"personal\",account=\"deploy-bot\",token_name=\"registry\",token_id=\"103\"} 12\n",
        "patbot_token_days_remaining{kind=\"project\",account=\"sec/\\\"odd\\\"\\npath\",token_name=\"x\","
        "token_id=\"9006\"} 20\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_NE(text.find("patbot_token_expiry_timestamp_seconds{kind=\"project\",account=\"sec/app\",token_name=\"registry\","
                      "token_id=\"9001\"} " + epoch(3) + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("patbot_token_expiry_timestamp_seconds{kind=\"group\",account=\"sec\",token_name=\"deploy-token\","
                      "token_id=\"9005\"} " + epoch(7) + "\n"),
            std::string::npos)
      << text;
}

TEST_F(WatcherTest, StatusUsesTheWatchersSnapshotWhileItIsFresh) {
  restart();
  PatStatusHandler status(*api_, clock_, 30, "gitlab.test", inventory_.get());
  CommandRequest request;
  request.args = {"inventory"};
  auto prepared = status.prepare(request);
  ASSERT_TRUE(prepared);
  ASSERT_TRUE(watcher_->runOnce().scanned);
  clock_.advance(minutes(2));
  int scans = fakeCalls("GET", "/service_accounts");
  auto fromSnapshot = prepared->work();
  EXPECT_EQ(fakeCalls("GET", "/service_accounts"), scans) << "GitLab was asked although the snapshot is fresh";
  std::string text;
  for (const auto& m : fromSnapshot.messages) text += allText(m);
  EXPECT_NE(text.find("from the watcher's scan 2 min ago"), std::string::npos) << text;
  EXPECT_NE(text.find("inventory-readonly"), std::string::npos);

  clock_.advance(minutes(3));   // 5 minutes old: ask GitLab
  auto fresh = prepared->work();
  EXPECT_GT(fakeCalls("GET", "/service_accounts"), scans);
  text.clear();
  for (const auto& m : fresh.messages) text += allText(m);
  EXPECT_EQ(text.find("watcher's scan"), std::string::npos) << text;
  EXPECT_NE(text.find("inventory-readonly"), std::string::npos);
}

TEST_F(WatcherTest, BackgroundThreadScansAtStartAndStops) {
  policy_.watch.intervalMinutes = 1;
  restart();
  watcher_->start();
  auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (slack_.postedCount() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(slack_.postedCount(), 1u) << "no scan at start-up";
  int scans = fakeCalls("GET", "/service_accounts");
  clock_.advance(minutes(2));   // past interval + 10% jitter: one more scan
  deadline = std::chrono::steady_clock::now() + seconds(20);
  while (fakeCalls("GET", "/service_accounts") == scans && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(fakeCalls("GET", "/service_accounts"), scans);
  watcher_->stop();
  int after = fakeCalls("GET", "/service_accounts");
  clock_.advance(minutes(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(fakeCalls("GET", "/service_accounts"), after) << "scanned after stop()";
}

}  // namespace
}  // namespace patbot::handlers
