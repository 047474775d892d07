// hardenProcess() leaves the process not dumpable and without core dumps. It runs in a forked
// child so the test process keeps its own settings.
#include "core/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace patbot {
namespace {

// Exit codes of the child.
constexpr int kHardened = 0, kWasNotDumpable = 3, kCallFailed = 4, kStillDumpable = 5, kCoreLimitKept = 6;

int hardenAndReport() {
  if (::prctl(PR_GET_DUMPABLE) != 1) return kWasNotDumpable;   // else the check below proves nothing
  rlimit before{};
  ::getrlimit(RLIMIT_CORE, &before);
  if (!hardenProcess().ok()) return kCallFailed;
  if (::prctl(PR_GET_DUMPABLE) != 0) return kStillDumpable;
  rlimit after{};
  ::getrlimit(RLIMIT_CORE, &after);
  if (after.rlim_cur != 0 || after.rlim_max != 0) return kCoreLimitKept;
  return kHardened;
}

TEST(ProcessHardening, LeavesTheProcessNotDumpableWithNoCoreLimit) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(hardenAndReport());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kHardened)
      << "3: test process not dumpable to begin with, 4: hardenProcess failed, 5: still dumpable, 6: core limit kept";
}

}  // namespace
}  // namespace patbot
