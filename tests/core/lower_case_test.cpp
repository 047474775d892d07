#include "core/lower_case.h"

#include <gtest/gtest.h>

namespace patbot {
namespace {

TEST(LowerCase, FoldsAsciiLettersOnly) {
  EXPECT_EQ(lowerCase("Content-Type"), "content-type");
  EXPECT_EQ(lowerCase("HTTPS"), "https");
  EXPECT_EQ(lowerCase("[::1]:80 @_~"), "[::1]:80 @_~");
  EXPECT_EQ(lowerCase("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // "ÉTÉ": UTF-8 bytes kept
  EXPECT_EQ(lowerCase(std::string_view("A\0B", 3)), std::string("a\0b", 3));
  EXPECT_EQ(lowerCase(""), "");
}

}  // namespace
}  // namespace patbot
