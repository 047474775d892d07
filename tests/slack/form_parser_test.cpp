#include "slack/form_parser.h"

#include <gtest/gtest.h>

namespace patbot::slack {
namespace {

TEST(FormParserTest, SplitsAndDecodes) {
  const FormFields f = parseForm("command=%2Fpat&text=rotate+deploy-token&empty=&flag&a%20b=c%2Bd");
  EXPECT_EQ(formValue(f, "command"), "/pat");
  EXPECT_EQ(formValue(f, "text"), "rotate deploy-token");
  EXPECT_EQ(formValue(f, "empty"), "");
  EXPECT_EQ(f.count("empty"), 1u);
  EXPECT_EQ(f.count("flag"), 1u);
  EXPECT_EQ(formValue(f, "a b"), "c+d");
  EXPECT_EQ(formValue(f, "absent"), "");
  EXPECT_EQ(f.size(), 5u);
}

TEST(FormParserTest, SplitsOnFirstEqualsOnly) {
  const FormFields f = parseForm("url=https%3A%2F%2Fx%2F%3Fa%3Db&raw=a=b=c");
  EXPECT_EQ(formValue(f, "url"), "https://x/?a=b");
  EXPECT_EQ(formValue(f, "raw"), "a=b=c");
}

TEST(FormParserTest, PercentDecodesToUtf8Bytes) {
  const FormFields f = parseForm("text=d%C3%A9ploy+%E2%9C%85&lower=%c3%a9");
  EXPECT_EQ(formValue(f, "text"), "d\xC3\xA9ploy \xE2\x9C\x85");
  EXPECT_EQ(formValue(f, "lower"), "\xC3\xA9");
}

TEST(FormParserTest, InvalidEscapesStayLiteral) {
  const FormFields f = parseForm("a=100%&b=%zz&c=%4&d=%%41");
  EXPECT_EQ(formValue(f, "a"), "100%");
  EXPECT_EQ(formValue(f, "b"), "%zz");
  EXPECT_EQ(formValue(f, "c"), "%4");
  EXPECT_EQ(formValue(f, "d"), "%A");
}

TEST(FormParserTest, PlusIsDecodedBeforePercentEscapes) {
  EXPECT_EQ(formValue(parseForm("t=%2B+%2B"), "t"), "+ +");
}

TEST(FormParserTest, EmptyPartsAndRepeatedKeys) {
  const FormFields f = parseForm("&&a=1&&a=2&");
  EXPECT_EQ(f.count("a"), 2u);
  EXPECT_EQ(formValue(f, "a"), "1");
  EXPECT_TRUE(parseForm("").empty());
}

TEST(FormParserTest, SslCheck) {
  EXPECT_TRUE(isSslCheck("ssl_check=1&token=abc"));
  EXPECT_TRUE(isSslCheck("token=abc&ssl_check=1"));
  EXPECT_FALSE(isSslCheck("ssl_check=0&token=abc"));
  EXPECT_FALSE(isSslCheck("command=%2Fpat&text=ssl_check%3D1"));
  EXPECT_FALSE(isSslCheck(""));
}

}  // namespace
}  // namespace patbot::slack
