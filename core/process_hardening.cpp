#include "core/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace patbot {

Status hardenProcess() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Error::make(ErrorKind::kInternal, std::string("prctl(PR_SET_DUMPABLE, 0) failed: ") + std::strerror(errno));
  }
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return Error::make(ErrorKind::kInternal, std::string("setrlimit(RLIMIT_CORE, 0) failed: ") + std::strerror(errno));
  }
  return okStatus();
}

}  // namespace patbot
