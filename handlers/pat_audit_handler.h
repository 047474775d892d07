// `/pat audit [TOKEN|@user] [--limit N]`: the latest audit entries (default 20), newest first,
// as an ephemeral table. TOKEN matches the audit target exactly (a token id or ACCOUNT/NAME as
// the rows record it); @user (or <@U123> as Slack escapes mentions) matches the actor.
#pragma once

#include "handlers/command.h"
#include "storage/audit_store.h"

namespace patbot::handlers {

// Error kInvalidInput naming the bad flag or value.
Result<storage::AuditQuery> parseAuditArgs(const std::vector<std::string>& args);

class PatAuditHandler final : public Command {
 public:
  explicit PatAuditHandler(storage::AuditStore& audit) : audit_(audit) {}
  Result<Prepared> prepare(const CommandRequest& request) override;
  static constexpr const char* kUsage = "audit [TOKEN|@user] [--limit N]";

 private:
  storage::AuditStore& audit_;
};

}  // namespace patbot::handlers
