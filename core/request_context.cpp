#include "core/request_context.h"

#include <cstdio>
#include <random>

namespace patbot {
namespace {
thread_local std::string tCurrentRequestId;
}

const std::string& currentRequestId() { return tCurrentRequestId; }

std::string newRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "req-%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

RequestScope::RequestScope(std::string requestId) : previous_(std::move(tCurrentRequestId)) {
  tCurrentRequestId = std::move(requestId);
}

RequestScope::~RequestScope() { tCurrentRequestId = std::move(previous_); }

}  // namespace patbot
