// GoogleTest assertions on an E2eStack, for ASSERT_TRUE / EXPECT_TRUE: each failure says what
// was seen (start-up log, messages, command output), never a secret's value.
#pragma once

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/rotation_end.h"

namespace patbot::e2e {

// The fakes and (unless StackOptions::startBot is false) `patbot serve` started.
inline ::testing::AssertionResult stackStarted(const E2eStack& stack) {
  if (stack.ready()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << stack.startupLog();
}

// `patbot serve` finished its start-up check of GitLab: calls made after this are the test's own.
inline ::testing::AssertionResult gitLabReachable(E2eStack& stack,
                                                  std::chrono::seconds timeout = std::chrono::seconds(30)) {
  if (stack.bot() && stack.bot()->waitFor("GitLab reachable", timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "patbot serve never found GitLab reachable\n"
                                       << (stack.bot() ? stack.bot()->output() : "(not running)");
}

// The rotation reported at `responseUrl` ended with "Rotated" within `timeout`.
inline ::testing::AssertionResult rotationSucceeded(E2eStack& stack, const std::string& responseUrl,
                                                    std::chrono::seconds timeout = std::chrono::seconds(60)) {
  auto end = waitForRotationEnd(stack, responseUrl, timeout);
  if (end.rotated()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << (end.head.empty() ? "the rotation did not end in time"
                                                            : "the rotation ended with \"" + end.head + "\"")
                                       << "; its messages:\n" << stack.textFor(responseUrl, 0);
}

// `patbot audit verify` passes on the stack's database.
inline ::testing::AssertionResult auditChainIntact(E2eStack& stack) {
  auto [code, out] = stack.patbot({"audit", "verify"});
  if (code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "patbot audit verify exited " << code << ": " << out;
}

// None of the stack's secrets is in `text`; a failure names them by index, never by value.
inline ::testing::AssertionResult noSecretIn(const E2eStack& stack, const std::string& text) {
  auto secrets = stack.secrets();
  std::string found;
  for (size_t i = 0; i < secrets.size(); ++i) {
    if (text.find(secrets[i]) != std::string::npos) found += " #" + std::to_string(i);
  }
  if (found.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "secret(s)" << found << " found";
}

}  // namespace patbot::e2e
