#include "core/time_format.h"

#include <gtest/gtest.h>

namespace patbot {
namespace {

TEST(TimeFormat, ParsesAndFormatsDates) {
  auto d = parseDate("2025-07-11");
  ASSERT_TRUE(d);
  EXPECT_EQ(formatDate(*d), "2025-07-11");
  EXPECT_FALSE(parseDate("2025-02-30"));
  EXPECT_FALSE(parseDate("2025-7-11"));
  EXPECT_FALSE(parseDate("2025-07-11T00:00:00Z"));
  EXPECT_FALSE(parseDate(""));
}

TEST(TimeFormat, ParsesGitLabTimestamps) {
  auto t = parseTimestamp("2024-10-13T12:28:02.879Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatTimestamp(*t), "2024-10-13T12:28:02.879Z");
  auto offset = parseTimestamp("2024-10-13T14:28:02+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(formatTimestamp(*offset), "2024-10-13T12:28:02.000Z");
  EXPECT_FALSE(parseTimestamp("2024-10-13X12:28:02Z"));
  EXPECT_FALSE(parseTimestamp("yesterday"));
}

TEST(TimeFormat, UtcDayIsTheCalendarDay) {
  auto t = parseTimestamp("2024-10-13T23:59:59.999Z");
  EXPECT_EQ(formatDate(utcDay(*t)), "2024-10-13");
}

}  // namespace
}  // namespace patbot
