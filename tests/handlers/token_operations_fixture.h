// TokenOperations on the rotation engine's fixture (the simulated GitLab, an in-memory journal and
// audit trail, a FakeClock), with a real ConfirmationStore on the same database and a Slack that
// records what it is sent and has a bot token. makeOperations() is the one place TokenOperations
// is built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "handlers/rotation_messages.h"
#include "handlers/token_operations.h"
#include "storage/confirmation_store.h"
#include "tests/handlers/rotation_engine_fixture.h"
#include "tests/support/recording_notifier.h"

namespace patbot::handlers::testing {

inline constexpr const char* kRequestChannel = "C0OPS00001";

class TokenOperationsFixture : public RotationEngineFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RotationEngineFixture::SetUp());
    confirmations_ = std::make_unique<storage::ConfirmationStore>(*db_, clock_);
    makeOperations();
  }

  // Operations over the current engine; announcements go to `notifyChannel` ("" = the request's
  // channel). Call again after makeEngine().
  void makeOperations(std::string notifyChannel = "") {
    operations_ = std::make_unique<TokenOperations>(*engine_, *api_, *confirmations_, slack_,
                                                    std::move(notifyChannel), /*announcements=*/slack_);
  }

  // The value of the first button of `m` whose action id is `actionId`; "" when none.
  static std::string buttonValue(const slack::Message& m, const std::string& actionId) {
    for (const auto& block : m.blocks) {
      if (block["type"] != "actions") continue;
      for (const auto& b : block["elements"]) {
        if (b["action_id"] == actionId) return b.value("value", "");
      }
    }
    return "";
  }

  // The fallback text and blocks of every message of `out`, for searching.
  static std::string allText(const CommandOutput& out) {
    std::string all;
    for (const auto& m : out.messages) all += m.text + "\n" + m.blocks.dump() + "\n";
    return all;
  }

  std::unique_ptr<storage::ConfirmationStore> confirmations_;
  patbot::testing::RecordingNotifier slack_;
  std::unique_ptr<TokenOperations> operations_;
};

}  // namespace patbot::handlers::testing
