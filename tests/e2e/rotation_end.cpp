#include "tests/e2e/rotation_end.h"

namespace patbot::e2e {

const std::vector<std::string>& rotationEnds() {
  static const std::vector<std::string> kEnds = {
      "Rotated",         "Rotation rolled back", "Rotation needs a decision", "Rotation failed", ":x: Cannot rotate",
      "did not start",   "waits for a decision", "is still running"};
  return kEnds;
}

RotationEnd waitForRotationEnd(E2eStack& stack, const std::string& responseUrl, std::chrono::seconds timeout) {
  RotationEnd end;
  end.text = stack.waitForAnyText(responseUrl, rotationEnds(), timeout);
  for (const auto& head : rotationEnds()) {
    if (end.text.find(head) != std::string::npos) {
      end.head = head;
      break;
    }
  }
  return end;
}

bool rotationSettled(const std::string& state) {
  return state == "completed" || state == "rolled_back" || state == "failed" || state == "awaiting_decision" ||
         state == "revoke_scheduled";
}

}  // namespace patbot::e2e
