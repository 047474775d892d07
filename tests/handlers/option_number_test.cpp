#include "handlers/option_number.h"

#include <gtest/gtest.h>

#include "handlers/pat_audit_handler.h"
#include "handlers/pat_rotate_handler.h"

namespace patbot::handlers {
namespace {

Result<int> after(std::vector<std::string> args, size_t& i) {
  return numberAfterOption(args, i, 1, 200, "a number from 1 to 200", "a number from 1 to 200");
}

TEST(OptionNumber, TakesTheNextArgumentAndMovesOntoIt) {
  size_t i = 1;
  auto n = after({"x", "--limit", "200", "y"}, i);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 200);
  EXPECT_EQ(i, 2u);
  i = 0;
  EXPECT_EQ(*after({"--limit", "1"}, i), 1);
}

TEST(OptionNumber, NamesTheOptionWhenNothingFollows) {
  size_t i = 0;
  auto n = after({"--limit"}, i);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(n.error().message, "--limit needs a number from 1 to 200");
}

TEST(OptionNumber, RefusesWhatIsNotAWholeNumberInRange) {
  for (const char* bad : {"0", "201", "-5", "+5", "5x", " 5", "", "1.5", "99999999999"}) {
    size_t i = 0;
    auto n = after({"--limit", bad}, i);
    ASSERT_FALSE(n) << bad;
    EXPECT_EQ(n.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(n.error().message, std::string("--limit takes a number from 1 to 200, not \"") + bad + "\"");
  }
}

// The words of the two commands that use it.
TEST(OptionNumber, AuditLimitAndRotateExpiresInMessages) {
  EXPECT_EQ(parseAuditArgs({"--limit"}).error().message, "--limit needs a number from 1 to 200");
  EXPECT_EQ(parseAuditArgs({"--limit", "0"}).error().message, "--limit takes a number from 1 to 200, not \"0\"");
  EXPECT_EQ(parseAuditArgs({"--limit", "7"})->limit, 7);
  EXPECT_EQ(parseRotateArgs({"t", "--expires-in"}).error().message, "--expires-in needs a number of days");
  EXPECT_EQ(parseRotateArgs({"t", "--expires-in", "366"}).error().message,
            "--expires-in takes 1 to 365 days, not \"366\"");
  EXPECT_EQ(parseRotateArgs({"--expires-in", "30", "t"})->expiresInDays, 30);
}

}  // namespace
}  // namespace patbot::handlers
