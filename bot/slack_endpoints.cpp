#include "bot/slack_endpoints.h"

#include <spdlog/spdlog.h>

#include "core/request_context.h"
#include "slack/form_parser.h"
#include "slack/interaction_payload.h"
#include "slack/slash_command.h"

namespace patbot {
namespace {

http::Response ackJson(const slack::Message& m) { return http::Response::json(200, m.toAckJson().dump()); }

}  // namespace

SlackEndpoints::SlackEndpoints(const slack::SignatureVerifier& verifier, CommandService& commands,
                               storage::AuditStore& audit, MetricsRegistry& metrics, const Clock& clock)
    : verifier_(verifier), commands_(commands), audit_(audit), metrics_(metrics), clock_(clock) {
  metrics_.declareCounter("patbot_slack_rejected_total", "Slack requests refused before routing, by reason.");
}

void SlackEndpoints::auditRejectedSummary(const RejectedSummary& summary) {
  std::string requestId = newRequestId();
  RequestScope scope(requestId);
  nlohmann::json detail = summary.toJson();
  spdlog::warn("{} more refused Slack requests between {} and {} audited as one row: reasons {}, remotes {}",
               summary.suppressed, detail["window_start"].get<std::string>(),
               detail["window_end"].get<std::string>(), detail["reasons"].dump(), detail["remotes"].dump());
  storage::AuditRecord record;
  record.actor = "-";
  record.action = "request.rejected.aggregate";
  record.target = summary.byPath.size() == 1 ? summary.byPath.begin()->first : std::string("/slack/*");
  record.outcome = "rejected";
  record.requestId = requestId;
  record.detail = std::move(detail);
  if (auto r = audit_.append(record); !r) spdlog::error("audit append failed: {}", r.error().detail);
}

void SlackEndpoints::flushRejectedAudit(bool all) {
  auto summary = all ? rejected_.takeAll() : rejected_.takeDue(clock_.now());
  if (summary) auditRejectedSummary(*summary);
}

std::optional<http::Response> SlackEndpoints::rejectUnsigned(const http::Request& request,
                                                             const std::string& requestId) {
  auto failure = verifier_.verify(request.headers, request.body);
  if (!failure) return std::nullopt;
  const char* reason = slack::signatureFailureName(*failure);
  metrics_.inc("patbot_slack_rejected_total", {{"reason", reason}});
  auto decision = rejected_.record({reason, request.path, request.remote}, clock_.now());
  if (decision.closed) auditRejectedSummary(*decision.closed);
  if (!decision.individual) {
    if (decision.firstSuppressed) {
      spdlog::warn("rejected {} from {}: signature {}; more than {} refusals within {} s, further ones are "
                   "counted and audited as one row when the window ends",
                   request.path, request.remote, reason, rejected_.individualPerWindow(),
                   rejected_.window().count());
    }
    return http::Response::text(401, "");
  }
  spdlog::warn("rejected {} from {}: signature {} ({} bytes)", request.path, request.remote, reason,
               request.body.size());
  storage::AuditRecord record;
  record.actor = "-";
  record.action = "request.rejected";
  record.target = request.path;
  record.outcome = "rejected";
  record.requestId = requestId;
  record.detail = {{"reason", reason}, {"remote", request.remote}, {"bytes", request.body.size()}};
  if (auto r = audit_.append(record); !r) spdlog::error("audit append failed: {}", r.error().detail);
  return http::Response::text(401, "");
}

http::Response SlackEndpoints::admit(const http::Request& request,
                                     const std::function<http::Response(const std::string& requestId)>& handle) {
  std::string requestId = newRequestId();
  RequestScope scope(requestId);
  if (slack::isSslCheck(request.body)) return http::Response::text(200, "");
  if (auto rejected = rejectUnsigned(request, requestId)) return *rejected;
  return handle(requestId);
}

http::Response SlackEndpoints::commands(const http::Request& request) {
  return admit(request, [&](const std::string& requestId) {
    auto command = slack::parseSlashCommand(request.body);
    if (!command) {
      spdlog::warn("signed slash command without the fields patbot needs: {}", command.error().message);
      return http::Response::text(400, "malformed slash command");
    }
    spdlog::info("slash command from {} in {}", command->userId, command->channelId);
    return ackJson(commands_.handle(*command, requestId));
  });
}

http::Response SlackEndpoints::interactions(const http::Request& request) {
  return admit(request, [&](const std::string& requestId) {
    auto payload = slack::parseInteraction(request.body);
    if (!payload) {
      spdlog::warn("signed interaction with an unreadable payload: {}", payload.error().message);
      return http::Response::text(400, "malformed interaction payload");
    }
    spdlog::info("interaction from {} in {}", payload->userId, payload->channelId);
    commands_.click(*payload, requestId);
    return http::Response::text(200, "");
  });
}

}  // namespace patbot
