// Keeps secrets in patbot's memory out of core dumps and away from other processes of its user.
#pragma once

#include "core/result.h"

namespace patbot {

// Makes this process not dumpable (prctl PR_SET_DUMPABLE 0: no core dump, /proc/<pid>/ files
// owned by root, no ptrace or /proc/<pid>/mem or environ access for other processes of the same
// user) and sets RLIMIT_CORE to 0 (no core dump even where fs.suid_dumpable = 2). Both stay in
// force for the life of the process and its threads; an exec()ed child starts dumpable again.
// Call before any secret is read. An Error names the call that failed and why.
Status hardenProcess();

}  // namespace patbot
