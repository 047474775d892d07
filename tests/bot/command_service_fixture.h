// CommandService as `patbot serve` wires it, without a socket or a thread: a real SQLite audit
// trail and request dedupe in memory, every job run inline on the calling thread (both lanes),
// Slack recorded, time on a FakeClock. A test registers its handlers and sets access_ in its
// SetUp (after this one), then calls startService().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bot/command_service.h"
#include "storage/database.h"
#include "storage/request_dedupe.h"
#include "storage/sqlite_audit_store.h"
#include "tests/support/database.h"
#include "tests/support/inline_executor.h"
#include "tests/support/recording_notifier.h"

namespace patbot::testing {

class CommandServiceFixture : public ::testing::Test {
 protected:
  explicit CommandServiceFixture(TimePoint start) : clock_(start) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(openDatabase(":memory:", db_));
    audit_ = std::make_unique<storage::SqliteAuditStore>(*db_, clock_);
    dedupe_ = std::make_unique<storage::RequestDedupe>(*db_, clock_);
  }

  void startService() {
    service_ = std::make_unique<CommandService>(registry_, access_, *audit_, *dedupe_, executor_, executor_, notifier_,
                                                metrics_, clock_);
  }

  // The audit trail, newest row first.
  std::vector<storage::AuditEntry> auditRows() { return latestAuditRows(*audit_); }
  // The one audit row; a test failure (and an empty record) when there is not exactly one.
  storage::AuditRecord onlyAuditRow() {
    auto rows = auditRows();
    EXPECT_EQ(rows.size(), 1u);
    return rows.size() == 1 ? rows[0].record : storage::AuditRecord{};
  }

  // Every answer delivered through `responseUrl`, as its JSON body, one a line.
  std::string answersTo(const std::string& responseUrl) const {
    std::string all;
    for (const auto& sent : notifier_.responses()) {
      if (sent.to == responseUrl) all += sent.message.toResponseJson().dump() + "\n";
    }
    return all;
  }

  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteAuditStore> audit_;
  std::unique_ptr<storage::RequestDedupe> dedupe_;
  CommandRegistry registry_;
  AccessPolicy access_;
  InlineExecutor executor_;   // both lanes
  RecordingNotifier notifier_;
  MetricsRegistry metrics_;
  std::unique_ptr<CommandService> service_;
};

}  // namespace patbot::testing
