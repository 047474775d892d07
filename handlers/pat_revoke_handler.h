// `/pat revoke TOKEN [--yes]`: asks Revoke / Cancel, or, when the dispatcher marks the request
// confirmed (--yes), revokes at once. Operators only (the dispatcher checks).
#pragma once

#include "handlers/command.h"
#include "handlers/token_operations.h"

namespace patbot::handlers {

class PatRevokeHandler final : public Command {
 public:
  explicit PatRevokeHandler(TokenOperations& operations) : ops_(operations) {}
  Result<Prepared> prepare(const CommandRequest& request) override;

  static constexpr const char* kUsage = "revoke TOKEN [--yes]";

 private:
  TokenOperations& ops_;
};

}  // namespace patbot::handlers
