// How a rotation requested through the fake Slack ended, read from the messages sent to the
// request's response_url.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/e2e/e2e_stack.h"

namespace patbot::e2e {

// Heads of the last message of a rotation (handlers' rotation messages) and of a refused one.
const std::vector<std::string>& rotationEnds();

struct RotationEnd {
  std::string text;   // every message for the response_url once one ended it; "" on timeout
  std::string head;   // the first of rotationEnds() in `text`; "" on timeout
  bool rotated() const { return head == "Rotated"; }
};

// Waits until the messages for `responseUrl` contain one of rotationEnds().
RotationEnd waitForRotationEnd(E2eStack& stack, const std::string& responseUrl, std::chrono::seconds timeout);

// Whether a rotation journal state is final for now: no step runs until a person or the
// revoke scheduler acts.
bool rotationSettled(const std::string& state);

}  // namespace patbot::e2e
