#include "core/result.h"

namespace patbot {

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput: return "invalid_input";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kUnauthorized: return "unauthorized";
    case ErrorKind::kForbidden: return "forbidden";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kRateLimited: return "rate_limited";
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kProtocol: return "protocol";
    case ErrorKind::kStorage: return "storage";
    case ErrorKind::kConfig: return "config";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace patbot
