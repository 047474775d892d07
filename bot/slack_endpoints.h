// The two Slack-facing HTTP endpoints (SPEC §3): verify the signature on the raw bytes first
// (401, nothing logged of the body), answer ssl_check, parse, and hand over to the
// CommandService, the one dispatcher of commands and clicks (this class knows no handler).
// Every request is audited: accepted ones by the CommandService, refused ones here, one by one
// up to a rate, beyond it as one aggregate row per window (RejectedAuditThrottle), so a flood of
// badly signed requests cannot fill the disk. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bot/command_service.h"
#include "bot/rejected_audit_throttle.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/http_types.h"
#include "slack/signature_verifier.h"
#include "storage/audit_store.h"

namespace patbot {

class SlackEndpoints {
 public:
  SlackEndpoints(const slack::SignatureVerifier& verifier, CommandService& commands, storage::AuditStore& audit,
                 MetricsRegistry& metrics, const Clock& clock);
  // Writes the aggregate audit row of refused requests once its window has ended (`all`: also
  // the window still open, for shutdown). Call it periodically and at stop; cheap when idle.
  void flushRejectedAudit(bool all = false);

  http::Response commands(const http::Request& request);
  http::Response interactions(const http::Request& request);

 private:
  // The one way in for both endpoints: a request id for the log lines and audit rows of the
  // request, Slack's ssl_check answered with 200, a bad signature refused with 401; only a
  // signed request reaches `handle`.
  http::Response admit(const http::Request& request,
                       const std::function<http::Response(const std::string& requestId)>& handle);
  // Returns a 401 response when the signature is bad (and audits it), nullopt when it is good.
  std::optional<http::Response> rejectUnsigned(const http::Request& request, const std::string& requestId);
  void auditRejectedSummary(const RejectedSummary& summary);

  const slack::SignatureVerifier& verifier_;
  CommandService& commands_;
  storage::AuditStore& audit_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
  RejectedAuditThrottle rejected_;
};

}  // namespace patbot
