#include "storage/rotation_journal.h"

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "tests/support/database.h"
#include "tests/support/outcome.h"
#include "tests/support/race.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using patbot::testing::outcomeOf;
using patbot::testing::TempDir;

RotationRecord planned(std::string requestKey, int64_t oldTokenId, std::string actor = "U123") {
  RotationRecord r;
  r.requestKey = std::move(requestKey);
  r.actor = std::move(actor);
  r.account = "inventory-bot";
  r.accountId = 77;
  r.tokenName = "GitLab Security Service - Inventory";
  r.oldTokenId = oldTokenId;
  r.plan = {{"consumers", {{{"project", "sec/inventory"}, {"key", "GITLAB_TOKEN"}}}},
            {"expires_at", "2026-03-01"}};
  r.channelId = "C1";
  r.responseUrl = "https://hooks.slack.test/actions/1";
  return r;
}

class StorageRotationJournalTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    journal_.reset();
    db_.reset();
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(path(), db_));
    journal_ = std::make_unique<RotationJournal>(*db_, clock_);
  }

  std::string path() const { return dir_.file("journal.db"); }

  RotationRecord mustBegin(const RotationRecord& r) {
    auto res = journal_->begin(r);
    EXPECT_TRUE(res) << res.error().message;
    if (!res) return {};
    EXPECT_TRUE(res->created);
    return res->record;
  }

  TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-01-02T03:04:05Z")};
  std::unique_ptr<Database> db_;
  std::unique_ptr<RotationJournal> journal_;
};

TEST(StorageRotationState, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(RotationState::kAwaitingDecision); ++i) {
    auto s = static_cast<RotationState>(i);
    auto parsed = parseRotationState(rotationStateName(s));
    ASSERT_TRUE(parsed) << rotationStateName(s);
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_STREQ(rotationStateName(RotationState::kRevokeScheduled), "revoke_scheduled");
  EXPECT_FALSE(parseRotationState("Completed"));
  EXPECT_FALSE(parseRotationState(""));
  EXPECT_TRUE(isTerminal(RotationState::kCompleted));
  EXPECT_TRUE(isTerminal(RotationState::kRolledBack));
  EXPECT_TRUE(isTerminal(RotationState::kFailed));
  EXPECT_FALSE(isTerminal(RotationState::kAwaitingDecision));
  EXPECT_FALSE(isTerminal(RotationState::kRevokeScheduled));
  EXPECT_FALSE(isTerminal(RotationState::kRollingBack));
}

TEST_F(StorageRotationJournalTest, BeginStoresRecordAndStampsClock) {
  auto r = mustBegin(planned("trigger-1", 42));
  EXPECT_GT(r.id, 0);
  EXPECT_EQ(r.requestKey, "trigger-1");
  EXPECT_EQ(r.actor, "U123");
  EXPECT_EQ(r.account, "inventory-bot");
  EXPECT_EQ(r.accountId, 77);
  EXPECT_EQ(r.oldTokenId, 42);
  EXPECT_FALSE(r.newTokenId);
  EXPECT_EQ(r.state, RotationState::kPlanned);
  EXPECT_EQ(r.plan["consumers"][0]["key"], "GITLAB_TOKEN");
  EXPECT_EQ(r.createdAt, "2026-01-02T03:04:05.000Z");
  EXPECT_EQ(r.updatedAt, r.createdAt);
  EXPECT_FALSE(r.revokeAfter);
  EXPECT_EQ(r.responseUrl, "https://hooks.slack.test/actions/1");
}

TEST_F(StorageRotationJournalTest, BeginDedupesByRequestKey) {
  auto first = mustBegin(planned("trigger-1", 42));
  ASSERT_TRUE(journal_->step(first.id, "create", "start", RotationState::kCreating));
  clock_.advance(5s);
  auto again = journal_->begin(planned("trigger-1", 42, "U999"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->record.id, first.id);
  EXPECT_EQ(again->record.actor, "U123");  // unchanged
  EXPECT_EQ(again->record.state, RotationState::kCreating);
  auto all = journal_->unfinished();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StorageRotationJournalTest, SecondRotationOfSameTokenConflictsUntilFinished) {
  auto first = mustBegin(planned("trigger-1", 42, "U123"));
  clock_.advance(1min);
  EXPECT_EQ(outcomeOf(journal_->begin(planned("trigger-2", 42, "U456"))),
            "conflict: " "a rotation of this token started by U123 at 2026-01-02T03:04:05.000Z is still "
            "running (#" + std::to_string(first.id) + ")");

  // Another token is not blocked.
  mustBegin(planned("trigger-3", 43));

  ASSERT_TRUE(journal_->finish(first.id, RotationState::kCompleted));
  auto third = journal_->begin(planned("trigger-2", 42, "U456"));
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(third->created);
  EXPECT_NE(third->record.id, first.id);
}

TEST_F(StorageRotationJournalTest, PartialUniqueIndexBacksTheRule) {
  mustBegin(planned("trigger-1", 42));
  // Even a writer that skips the check (another tool on the file) cannot add a second one.
  SQLite::Database raw(path(), SQLite::OPEN_READWRITE);
  EXPECT_THROW(raw.exec("INSERT INTO rotations(request_key, actor, account, account_id, "
                        "token_name, old_token_id, state, created_at, updated_at) VALUES "
                        "('x', 'U', 'a', 1, 'n', 42, 'delivering', 't', 't')"),
               SQLite::Exception);
  EXPECT_NO_THROW(raw.exec("INSERT INTO rotations(request_key, actor, account, account_id, "
                           "token_name, old_token_id, state, created_at, updated_at) VALUES "
                           "('y', 'U', 'a', 1, 'n', 42, 'failed', 't', 't')"));
}

TEST_F(StorageRotationJournalTest, BeginRejectsBadInput) {
  auto noKey = journal_->begin(planned("", 42));
  ASSERT_FALSE(noKey);
  EXPECT_EQ(noKey.error().kind, ErrorKind::kInvalidInput);
  auto noToken = journal_->begin(planned("k", 0));
  ASSERT_FALSE(noToken);
  EXPECT_EQ(noToken.error().kind, ErrorKind::kInvalidInput);
  auto terminal = planned("k", 42);
  terminal.state = RotationState::kCompleted;
  auto bad = journal_->begin(terminal);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(StorageRotationJournalTest, ConcurrentBeginForSameTokenCreatesExactlyOne) {
  // Two connections on one file, as two processes would have, four threads on each.
  auto other = Database::open(path());
  ASSERT_TRUE(other) << other.error().detail;
  RotationJournal otherJournal(**other, clock_);
  constexpr int kThreads = 8;
  auto outcomes = patbot::testing::raceOutcomes(kThreads, [&](int i) -> std::string {
    RotationJournal& j = (i % 2 == 0) ? *journal_ : otherJournal;
    auto res = j.begin(planned("trigger-" + std::to_string(i), 42, "U" + std::to_string(i)));
    if (!res) return res.error().kind == ErrorKind::kConflict ? "conflict" : res.error().message;
    return res->created ? "created" : "not created";
  });
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"created", 1}, {"conflict", kThreads - 1}}));
  auto all = journal_->unfinished();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StorageRotationJournalTest, ConcurrentBeginOfSameRequestCreatesOnce) {
  constexpr int kThreads = 8;
  auto outcomes = patbot::testing::raceOutcomes(kThreads, [&](int) -> std::string {
    auto res = journal_->begin(planned("trigger-same", 42));
    if (!res) return res.error().message;
    return res->created ? "created" : "duplicate";
  });
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"created", 1}, {"duplicate", kThreads - 1}}));
}

TEST_F(StorageRotationJournalTest, StepsJournaledInOrderAndSurviveReopen) {
  auto r = mustBegin(planned("trigger-1", 42));
  ASSERT_TRUE(journal_->step(r.id, "create", "start", RotationState::kCreating));
  clock_.advance(1s);
  ASSERT_TRUE(journal_->step(r.id, "create", "done", RotationState::kCreated,
                             {{"new_token_id", 4242}}));
  ASSERT_TRUE(journal_->setNewToken(r.id, 4242));
  clock_.advance(1s);
  ASSERT_TRUE(journal_->step(r.id, "deliver", "start", RotationState::kDelivering,
                             {{"consumer", "sec/inventory:GITLAB_TOKEN"}}));

  reopen();  // a new Database on the same file, as after a crash

  auto steps = journal_->steps(r.id);
  ASSERT_TRUE(steps) << steps.error().message;
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0].step, "create");
  EXPECT_EQ((*steps)[0].phase, "start");
  EXPECT_EQ((*steps)[0].detail, nlohmann::json::object());
  EXPECT_EQ((*steps)[0].ts, "2026-01-02T03:04:05.000Z");
  EXPECT_EQ((*steps)[1].phase, "done");
  EXPECT_EQ((*steps)[1].detail["new_token_id"], 4242);
  EXPECT_EQ((*steps)[2].step, "deliver");
  EXPECT_EQ((*steps)[2].rotationId, r.id);
  EXPECT_EQ((*steps)[2].ts, "2026-01-02T03:04:07.000Z");

  auto found = journal_->find(r.id);
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->state, RotationState::kDelivering);
  EXPECT_EQ((*found)->newTokenId, 4242);
  EXPECT_EQ((*found)->updatedAt, "2026-01-02T03:04:07.000Z");
}

TEST_F(StorageRotationJournalTest, UnfinishedAfterReopenOldestFirst) {
  auto a = mustBegin(planned("k-a", 1));
  clock_.advance(1s);
  auto b = mustBegin(planned("k-b", 2));
  clock_.advance(1s);
  auto c = mustBegin(planned("k-c", 3));
  ASSERT_TRUE(journal_->step(a.id, "create", "start", RotationState::kCreating));
  ASSERT_TRUE(journal_->finish(b.id, RotationState::kFailed, "delivery failed"));
  ASSERT_TRUE(journal_->step(c.id, "verify", "failed", RotationState::kAwaitingDecision));

  reopen();

  auto list = journal_->unfinished();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a.id);
  EXPECT_EQ((*list)[0].state, RotationState::kCreating);
  EXPECT_EQ((*list)[1].id, c.id);
  EXPECT_EQ((*list)[1].state, RotationState::kAwaitingDecision);
  auto failed = journal_->find(b.id);
  ASSERT_TRUE(failed && *failed);
  EXPECT_EQ((*failed)->state, RotationState::kFailed);
  EXPECT_EQ((*failed)->error, "delivery failed");
}

TEST_F(StorageRotationJournalTest, DueRevokesByTime) {
  auto a = mustBegin(planned("k-a", 1));
  auto b = mustBegin(planned("k-b", 2));
  auto c = mustBegin(planned("k-c", 3));
  for (const auto& r : {a, b, c}) {
    ASSERT_TRUE(journal_->step(r.id, "revoke", "start", RotationState::kRevokeScheduled));
  }
  ASSERT_TRUE(journal_->setRevokeAfter(a.id, "2026-01-03T03:04:05Z"));
  ASSERT_TRUE(journal_->setRevokeAfter(b.id, "2026-01-02T05:04:05+02:00"));  // 03:04:05Z
  ASSERT_TRUE(journal_->setRevokeAfter(c.id, "2026-01-02T10:00:00Z"));
  ASSERT_TRUE(journal_->finish(c.id, RotationState::kRolledBack));  // not due: finished

  auto check = [&](const std::string& now, std::vector<int64_t> expected) {
    auto due = journal_->dueRevokes(now);
    ASSERT_TRUE(due) << due.error().message;
    std::vector<int64_t> ids;
    for (const auto& r : *due) ids.push_back(r.id);
    EXPECT_EQ(ids, expected) << now;
  };
  check(formatTimestamp(clock_.now() - 1s), {});
  check(formatTimestamp(clock_.now()), {b.id});
  clock_.advance(24h);
  check(formatTimestamp(clock_.now()), {b.id, a.id});

  auto b2 = journal_->find(b.id);
  ASSERT_TRUE(b2 && *b2);
  EXPECT_EQ((*b2)->revokeAfter, "2026-01-02T03:04:05.000Z");

  auto bad = journal_->dueRevokes("tomorrow");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  auto badSet = journal_->setRevokeAfter(a.id, "soon");
  ASSERT_FALSE(badSet);
  EXPECT_EQ(badSet.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(StorageRotationJournalTest, StepAndFinishRules) {
  auto r = mustBegin(planned("k", 42));
  auto noPhase = journal_->step(r.id, "create", "", RotationState::kCreating);
  ASSERT_FALSE(noPhase);
  EXPECT_EQ(noPhase.error().kind, ErrorKind::kInvalidInput);
  auto unknown = journal_->step(9999, "create", "start", RotationState::kCreating);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  auto notTerminal = journal_->finish(r.id, RotationState::kVerified);
  ASSERT_FALSE(notTerminal);
  EXPECT_EQ(notTerminal.error().kind, ErrorKind::kInvalidInput);
  auto unknownFinish = journal_->finish(9999, RotationState::kFailed);
  ASSERT_FALSE(unknownFinish);
  EXPECT_EQ(unknownFinish.error().kind, ErrorKind::kNotFound);

  ASSERT_TRUE(journal_->step(r.id, "revoke", "scheduled", RotationState::kRevokeScheduled));
  ASSERT_TRUE(journal_->finish(r.id, RotationState::kCompleted));
  EXPECT_TRUE(journal_->finish(r.id, RotationState::kCompleted));  // idempotent
  auto other = journal_->finish(r.id, RotationState::kFailed);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().kind, ErrorKind::kConflict);
  auto late = journal_->step(r.id, "revoke", "start", RotationState::kRevoking);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, ErrorKind::kConflict);

  auto steps = journal_->steps(r.id);
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 2u);  // rejected calls journal nothing
  EXPECT_EQ((*steps)[0].phase, "scheduled");
  EXPECT_EQ((*steps)[1].step, "finish");
  EXPECT_EQ((*steps)[1].detail["state"], "completed");
  auto found = journal_->find(r.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->state, RotationState::kCompleted);
}

TEST_F(StorageRotationJournalTest, TerminalStepThenFinishKeepsTheError) {
  auto r = mustBegin(planned("k", 42));
  ASSERT_TRUE(journal_->step(r.id, "create", "failed", RotationState::kFailed,
                             {{"error", "GitLab answered 500"}}));
  auto unfinished = journal_->unfinished();
  ASSERT_TRUE(unfinished);
  EXPECT_TRUE(unfinished->empty());
  ASSERT_TRUE(journal_->finish(r.id, RotationState::kFailed, "GitLab answered 500"));
  auto found = journal_->find(r.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->state, RotationState::kFailed);
  EXPECT_EQ((*found)->error, "GitLab answered 500");
  mustBegin(planned("k2", 42));  // the token is free again
}

TEST_F(StorageRotationJournalTest, ARotatedNewTokenIsReplacedByItsSuccessorOnly) {
  auto r = mustBegin(planned("k", 42));
  auto none = journal_->replaceRotatedNewToken(r.id, 500, 501, "ab");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(journal_->setNewToken(r.id, 500));
  auto other = journal_->replaceRotatedNewToken(r.id, 499, 501, "ab");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(journal_->replaceRotatedNewToken(r.id, 500, 501, "ab"));
  auto found = journal_->find(r.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->newTokenId, 501);
  EXPECT_EQ((*found)->newValueSha256, "ab");
  EXPECT_TRUE(journal_->setNewToken(r.id, 501));   // acceptNewToken's own record: the same id
  EXPECT_EQ(journal_->replaceRotatedNewToken(9999, 1, 2, "").error().kind, ErrorKind::kNotFound);
}

TEST_F(StorageRotationJournalTest, NewTokenIsRecordedOnce) {
  auto r = mustBegin(planned("k", 42));
  ASSERT_TRUE(journal_->setNewToken(r.id, 500));
  EXPECT_TRUE(journal_->setNewToken(r.id, 500));
  auto twice = journal_->setNewToken(r.id, 501);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, ErrorKind::kConflict);
  auto unknown = journal_->setNewToken(9999, 1);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  auto byKey = journal_->findByRequestKey("k");
  ASSERT_TRUE(byKey && *byKey);
  EXPECT_EQ((*byKey)->newTokenId, 500);
  auto none = journal_->findByRequestKey("nope");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(StorageRotationJournalTest, TokenShapedTextIsNeverStored) {
  const std::string value = "glpat-AbCdEf0123456789xyz";
  auto p = planned("k", 42);
  p.plan["oops"] = value;
  auto r = mustBegin(p);
  ASSERT_TRUE(journal_->step(r.id, "create", "done", RotationState::kCreated,
                             {{"token", value}}));
  ASSERT_TRUE(journal_->finish(r.id, RotationState::kFailed, "bad " + value));
  journal_.reset();
  db_.reset();

  std::string bytes;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(path() + suffix, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("AbCdEf0123456789xyz"), std::string::npos);
  EXPECT_NE(bytes.find("glpat-[redacted]"), std::string::npos);
}

}  // namespace
}  // namespace patbot::storage
