// `/pat rotate TOKEN [--expires-in DAYS] [--dry-run] [--immediate] [--yes] [--reveal] [--strategy rotate|replace]`:
// the plan with Confirm / Cancel, or, when the dispatcher marks the request confirmed (--yes on a
// command registered as mutating), the rotation itself. Operators only (the dispatcher checks).
#pragma once

#include <string>
#include <vector>

#include "handlers/command.h"
#include "handlers/token_operations.h"

namespace patbot::handlers {

// Error kInvalidInput naming the bad flag or value.
Result<RotateArgs> parseRotateArgs(const std::vector<std::string>& args);

class PatRotateHandler final : public Command {
 public:
  explicit PatRotateHandler(TokenOperations& operations) : ops_(operations) {}
  Result<Prepared> prepare(const CommandRequest& request) override;

  static constexpr const char* kUsage =
      "rotate TOKEN [--expires-in DAYS] [--dry-run] [--immediate] [--yes] [--reveal] [--strategy rotate|replace]";

 private:
  TokenOperations& ops_;
};

}  // namespace patbot::handlers
