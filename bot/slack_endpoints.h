// The two Slack-facing HTTP endpoints (SPEC §3): verify the signature on the raw bytes first
// (401, nothing logged of the body), answer ssl_check, parse, and hand over to the
// CommandService. Every request is audited, including rejected ones. Thread-safe.
#pragma once

#include "bot/command_service.h"
#include "handlers/pat_rotate_handler.h"
#include "core/metrics.h"
#include "http/http_types.h"
#include "slack/notifier.h"
#include "slack/signature_verifier.h"
#include "storage/audit_store.h"

namespace patbot {

class SlackEndpoints {
 public:
  SlackEndpoints(const slack::SignatureVerifier& verifier, CommandService& commands, storage::AuditStore& audit,
                 Executor& executor, slack::Notifier& notifier, MetricsRegistry& metrics,
                 handlers::PatRotateHandler* rotations = nullptr);

  http::Response commands(const http::Request& request);
  http::Response interactions(const http::Request& request);

 private:
  // Returns a 401 response when the signature is bad (and audits it), nullopt when it is good.
  std::optional<http::Response> rejectUnsigned(const http::Request& request, const std::string& requestId);

  const slack::SignatureVerifier& verifier_;
  CommandService& commands_;
  storage::AuditStore& audit_;
  Executor& executor_;
  slack::Notifier& notifier_;
  MetricsRegistry& metrics_;
  handlers::PatRotateHandler* rotations_;   // handles Confirm / Cancel clicks; may be null
};

}  // namespace patbot
