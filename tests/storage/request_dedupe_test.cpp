#include "storage/request_dedupe.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "tests/storage/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

class StorageRequestDedupeTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> open() {
    auto opened = Database::open(dir_.file("dedupe.db"));
    EXPECT_TRUE(opened) << opened.error().detail;
    return opened ? std::move(*opened) : nullptr;
  }

  TempDir dir_;
  FakeClock clock_{*parseTimestamp("2026-01-02T03:04:05Z")};
};

TEST_F(StorageRequestDedupeTest, FirstTimeThenNot) {
  auto db = open();
  ASSERT_TRUE(db);
  RequestDedupe dedupe(*db, clock_);
  auto a = dedupe.firstTime("trigger-1");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(*a);
  auto b = dedupe.firstTime("trigger-1");
  ASSERT_TRUE(b);
  EXPECT_FALSE(*b);
  auto other = dedupe.firstTime("trigger-2");
  ASSERT_TRUE(other);
  EXPECT_TRUE(*other);
  auto empty = dedupe.firstTime("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(StorageRequestDedupeTest, PersistsAcrossReopen) {
  {
    auto db = open();
    ASSERT_TRUE(db);
    RequestDedupe dedupe(*db, clock_);
    ASSERT_TRUE(dedupe.firstTime("trigger-1"));
  }
  auto db = open();
  ASSERT_TRUE(db);
  RequestDedupe dedupe(*db, clock_);
  auto again = dedupe.firstTime("trigger-1");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(StorageRequestDedupeTest, PruneForgetsOnlyOldKeys) {
  auto db = open();
  ASSERT_TRUE(db);
  RequestDedupe dedupe(*db, clock_);
  ASSERT_TRUE(dedupe.firstTime("old"));
  clock_.advance(2h);
  ASSERT_TRUE(dedupe.firstTime("new"));
  clock_.advance(23h);
  ASSERT_TRUE(dedupe.pruneOlderThan(24h));  // "old" is 25 h old, "new" 23 h
  auto old = dedupe.firstTime("old");
  ASSERT_TRUE(old);
  EXPECT_TRUE(*old);
  auto recent = dedupe.firstTime("new");
  ASSERT_TRUE(recent);
  EXPECT_FALSE(*recent);
}

}  // namespace
}  // namespace patbot::storage
