// Whether this translation unit is built with a sanitizer (scripts/sanitize.sh, PATBOT_FUZZ), for
// tests whose measurement a sanitizer's runtime changes: ASan's quarantine keeps freed memory
// (RSS follows bytes read, not bytes kept) and every sanitizer replaces malloc (mallinfo2 then
// sees nothing). g++ defines __SANITIZE_ADDRESS__/__SANITIZE_THREAD__, clang __has_feature.
#pragma once

namespace patbot::sanitizers {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PATBOT_TEST_ASAN 1
#endif
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define PATBOT_TEST_OTHER_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PATBOT_TEST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define PATBOT_TEST_OTHER_SANITIZER 1
#endif

#ifdef PATBOT_TEST_ASAN
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(PATBOT_TEST_ASAN) || defined(PATBOT_TEST_OTHER_SANITIZER)
inline constexpr bool kMallocReplaced = true;
#else
inline constexpr bool kMallocReplaced = false;
#endif

}  // namespace patbot::sanitizers
