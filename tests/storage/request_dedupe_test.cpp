#include "storage/request_dedupe.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using namespace std::chrono_literals;
using patbot::testing::TempDir;

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

// What firstTime(key) says: "first", "again", or its Error's message.
std::string firstTime(RequestDedupe& dedupe, const std::string& key) {
  auto first = dedupe.firstTime(key);
  if (!first) return first.error().message;
  return *first ? "first" : "again";
}

TEST_F(StorageRequestDedupeTest, FirstTimeThenNot) {
  auto db = open();
  ASSERT_TRUE(db);
  RequestDedupe dedupe(*db, clock_);
  EXPECT_EQ(firstTime(dedupe, "trigger-1"), "first");
  EXPECT_EQ(firstTime(dedupe, "trigger-1"), "again");
  EXPECT_EQ(firstTime(dedupe, "trigger-2"), "first");
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
  EXPECT_EQ(firstTime(dedupe, "trigger-1"), "again");
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
  EXPECT_EQ(firstTime(dedupe, "old"), "first");
  EXPECT_EQ(firstTime(dedupe, "new"), "again");
}

}  // namespace
}  // namespace patbot::storage
