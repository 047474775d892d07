#include "storage/confirmation_store.h"

#include <set>
#include <map>
#include <string>

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

class StorageConfirmationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("confirm.db"), db_));
    store_ = std::make_unique<ConfirmationStore>(*db_, clock_);
  }

  Confirmation mustCreate() {
    auto c = store_->create("rotate", "U1", "C1", {{"token_id", 42}, {"immediate", false}});
    EXPECT_TRUE(c) << c.error().message;
    return c ? *c : Confirmation{};
  }

  TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-01-02T03:04:05Z")};
  std::unique_ptr<Database> db_;
  std::unique_ptr<ConfirmationStore> store_;
};

TEST_F(StorageConfirmationStoreTest, CreateDrawsRandomIdsAndStampsExpiry) {
  auto c = mustCreate();
  EXPECT_EQ(c.id.size(), 32u);
  EXPECT_EQ(c.id.find_first_not_of("0123456789abcdef"), std::string::npos) << c.id;
  EXPECT_EQ(c.kind, "rotate");
  EXPECT_EQ(c.requestedBy, "U1");
  EXPECT_EQ(c.channelId, "C1");
  EXPECT_EQ(c.request["token_id"], 42);
  EXPECT_EQ(c.createdAt, "2026-01-02T03:04:05.000Z");
  EXPECT_EQ(c.expiresAt, "2026-01-02T03:19:05.000Z");
  EXPECT_FALSE(c.usedAt);
  std::set<std::string> ids{c.id};
  for (int i = 0; i < 20; ++i) ids.insert(mustCreate().id);
  EXPECT_EQ(ids.size(), 21u);

  auto noKind = store_->create("", "U1", "C1", {});
  ASSERT_FALSE(noKind);
  EXPECT_EQ(noKind.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(StorageConfirmationStoreTest, ConsumedOnce) {
  auto c = mustCreate();
  clock_.advance(2min);
  auto first = store_->consume(c.id, "U2");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->id, c.id);
  EXPECT_EQ(first->usedBy, "U2");
  EXPECT_EQ(first->usedAt, "2026-01-02T03:06:05.000Z");
  EXPECT_EQ(first->request["token_id"], 42);

  clock_.advance(1s);
  EXPECT_EQ(outcomeOf(store_->consume(c.id, "U3")),
            "conflict: already confirmed by U2 at 2026-01-02T03:06:05.000Z");
  EXPECT_EQ(outcomeOf(store_->cancel(c.id, "U3")), "conflict: already confirmed by U2 at 2026-01-02T03:06:05.000Z");
}

TEST_F(StorageConfirmationStoreTest, CancelledCannotBeConsumed) {
  auto c = mustCreate();
  ASSERT_TRUE(store_->cancel(c.id, "U1"));
  EXPECT_EQ(outcomeOf(store_->consume(c.id, "U2")),
            "conflict: already cancelled by U1 at 2026-01-02T03:04:05.000Z");
}

TEST_F(StorageConfirmationStoreTest, ExpiresAfterFifteenMinutes) {
  auto a = mustCreate();
  auto b = mustCreate();
  clock_.advance(15min - 1ms);
  ASSERT_TRUE(store_->consume(a.id, "U2"));  // still valid just before the deadline
  clock_.advance(1ms);
  EXPECT_EQ(outcomeOf(store_->consume(b.id, "U2")),
            "invalid_input: this confirmation expired after 15 minutes; run the command again");
  EXPECT_EQ(outcomeOf(store_->cancel(b.id, "U2")),
            "invalid_input: this confirmation expired after 15 minutes; run the command again");
}

TEST_F(StorageConfirmationStoreTest, UnknownIdIsNotFound) {
  auto r = store_->consume("00000000000000000000000000000000", "U2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  auto c = store_->cancel("not-an-id", "U2");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::kNotFound);
}

TEST_F(StorageConfirmationStoreTest, ConcurrentConsumeHasExactlyOneWinner) {
  auto c = mustCreate();
  auto other = Database::open(dir_.file("confirm.db"));  // a second connection, like a process
  ASSERT_TRUE(other) << other.error().detail;
  ConfirmationStore otherStore(**other, clock_);
  constexpr int kThreads = 8;
  auto outcomes = patbot::testing::raceOutcomes(kThreads, [&](int i) -> std::string {
    ConfirmationStore& s = (i % 2 == 0) ? *store_ : otherStore;
    auto r = s.consume(c.id, "U" + std::to_string(i));
    if (r) return "won";
    return r.error().kind == ErrorKind::kConflict ? "conflict" : r.error().message;
  });
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"won", 1}, {"conflict", kThreads - 1}}));
}

}  // namespace
}  // namespace patbot::storage
