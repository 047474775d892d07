// Secret is move-only, and every buffer that held a value is zeroed before it is given back.
#include "core/secret.h"

#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace patbot {
namespace {

static_assert(!std::is_copy_constructible_v<Secret>);
static_assert(!std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);
static_assert(std::is_nothrow_move_assignable_v<Secret>);

// Every byte of s's buffer, [0, capacity()), is zero. Reads only memory s still owns.
::testing::AssertionResult allZeroToCapacity(const std::string& s) {
  const char* p = s.data();
  for (size_t i = 0; i < s.capacity(); ++i) {
    if (p[i] != '\0') return ::testing::AssertionFailure() << "byte " << i << " of " << s.capacity() << " not zero";
  }
  return ::testing::AssertionSuccess();
}

TEST(Secret, WipeZeroesTheWholeHeapBufferNotOnlyTheCurrentSize) {
  std::string s(200, 'x');
  s.resize(10);  // bytes 10..199 still hold 'x' in the same buffer
  const size_t capacity = s.capacity();
  const char* buffer = s.data();
  ASSERT_GE(capacity, 200u);
  Secret::wipe(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.capacity(), capacity);
  EXPECT_EQ(s.data(), buffer) << "wipe must zero the buffer in place, not swap it for another";
  EXPECT_TRUE(allZeroToCapacity(s));
}

TEST(Secret, WipeZeroesTheInlineBuffer) {
  std::string s("xoxb-123");  // short: lives in the string object itself (SSO)
  s.resize(3);
  Secret::wipe(s);
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(allZeroToCapacity(s));
}

TEST(Secret, DestructionWipesTheInlineBuffer) {
  // A short value lives inside the Secret object; storage we own outlives the object, so its
  // bytes can be read after the destructor ran.
  alignas(Secret) unsigned char storage[sizeof(Secret)];
  auto* secret = new (storage) Secret(std::string("xoxb-9"));
  const std::string_view bytes(reinterpret_cast<const char*>(storage), sizeof storage);
  const char* data = secret->reveal().data();
  ASSERT_TRUE(data >= bytes.data() && data < bytes.data() + bytes.size()) << "expected the inline (SSO) buffer";
  const size_t offset = static_cast<size_t>(data - bytes.data());
  const size_t capacity = secret->reveal().capacity();
  ASSERT_LE(offset + capacity, bytes.size());
  ASSERT_NE(bytes.find("xoxb-9"), std::string_view::npos);
  secret->~Secret();
  for (size_t i = offset; i < offset + capacity; ++i) {
    EXPECT_EQ(bytes[i], '\0') << "byte " << i - offset << " of the value outlived the Secret";
  }
}

TEST(Secret, MovedFromIsEmptyAndItsBufferWiped) {
  // A short value is copied, not stolen, by std::string's move: the source's inline buffer would
  // keep the bytes unless Secret wipes it.
  for (const std::string& value : {std::string("glpat-short"), std::string(100, 'z')}) {
    Secret a(value);
    Secret b(std::move(a));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
    EXPECT_TRUE(allZeroToCapacity(a.reveal()));
    EXPECT_EQ(b.reveal(), value);

    Secret c(std::string("old-value-of-c"));
    c = std::move(b);
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(allZeroToCapacity(b.reveal()));
    EXPECT_EQ(c.reveal(), value);
  }
}

TEST(Secret, TheConstructorsArgumentIsWipedToo) {
  std::string value("xoxb-inline");
  Secret s(std::move(value));
  EXPECT_TRUE(allZeroToCapacity(value));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(s.reveal(), "xoxb-inline");
}

TEST(Secret, CloneIsAnIndependentEqualCopy) {
  Secret a(std::string("glpat-abcdefghijklmnop"));
  Secret b = a.clone();
  EXPECT_EQ(a, b);
  Secret moved(std::move(a));
  EXPECT_EQ(b.reveal(), "glpat-abcdefghijklmnop");
}

TEST(Secret, FormatsRedacted) {
  EXPECT_EQ(fmt::format("{}", Secret(std::string("glpat-abcdefghijklmnop"))), "[redacted]");
}

}  // namespace
}  // namespace patbot
