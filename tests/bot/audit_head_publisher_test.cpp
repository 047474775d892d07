// AuditHeadPublisher against a real SQLite audit trail, with FakeClock time and a recording
// notifier: once a day, never twice within a day across restarts, the head published before the
// row that records it, and that head passing `verify(expectedHead)`.
#include "bot/audit_head_publisher.h"

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "storage/database.h"
#include "storage/sqlite_audit_store.h"
#include "tests/support/temp_dir.h"

namespace patbot {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(*parseDate("2026-03-02")) + 9h;
constexpr const char* kChannel = "C0OPS00001";

struct Posted {
  std::string channel;
  slack::Message message;
};

// Appends every post to `posted`.
class PostRecorder final : public slack::Notifier {
 public:
  explicit PostRecorder(std::vector<Posted>& posted) : posted_(posted) {}
  Status respond(const std::string&, const slack::Message&) override { return okStatus(); }
  Result<slack::PostedMessage> post(const std::string& channel, const slack::Message& m) override {
    posted_.push_back({channel, m});
    return slack::PostedMessage{channel, "1.000001"};
  }
  Status update(const slack::PostedMessage&, const slack::Message&) override { return okStatus(); }

 private:
  std::vector<Posted>& posted_;
};

class AuditHeadPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::Database::open(dir_.file("patbot.db"));
    ASSERT_TRUE(db) << db.error().detail;
    db_ = std::move(*db);
    audit_ = std::make_unique<storage::SqliteAuditStore>(*db_, clock_);
  }

  AuditHeadPublisher publisher(std::string channel = kChannel) {
    return AuditHeadPublisher(*audit_, clock_, std::move(channel), recorder_);
  }

  void appendRows(int n) {
    for (int i = 0; i < n; ++i) {
      storage::AuditRecord r;
      r.actor = "U0ALICE001";
      r.action = "command.status";
      r.outcome = "ok";
      r.requestId = "req-" + std::to_string(i);
      ASSERT_TRUE(audit_->append(r));
    }
  }

  storage::AuditHead head() {
    auto h = audit_->head();
    EXPECT_TRUE(h && *h);
    return h && *h ? **h : storage::AuditHead{};
  }

  std::vector<storage::AuditEntry> publications() {
    storage::AuditQuery q;
    q.limit = 1000;
    q.actor = AuditHeadPublisher::kActor;
    auto rows = audit_->latest(q);
    EXPECT_TRUE(rows);
    return rows ? *rows : std::vector<storage::AuditEntry>{};
  }

  testing::TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteAuditStore> audit_;
  std::vector<Posted> posted_;
  PostRecorder recorder_{posted_};
};

// "ID:HASH" as the message tells the reader to pass it to --expect-head.
std::optional<storage::AuditHead> headIn(const std::string& text) {
  std::smatch m;
  static const std::regex re("--expect-head ([0-9]+):([0-9a-f]{64})`");
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return storage::AuditHead{std::stoll(m[1].str()), m[2].str()};
}

TEST_F(AuditHeadPublisherTest, PublishesTheHeadThenRecordsThePublicationInTheNextRow) {
  appendRows(3);
  const storage::AuditHead before = head();
  auto p = publisher();
  EXPECT_TRUE(p.tick());

  ASSERT_EQ(posted_.size(), 1u);
  EXPECT_EQ(posted_[0].channel, kChannel);
  EXPECT_FALSE(posted_[0].message.ephemeral);
  EXPECT_EQ(posted_[0].message.text,
            fmt::format("Audit trail head: row 3, sha256 {} (check with `patbot audit verify --expect-head 3:{}`)",
                        before.hash, before.hash));

  auto rows = publications();
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row.id, 4);
  EXPECT_EQ(row.record.action, "audit.head");
  EXPECT_EQ(row.record.target, "audit-trail");
  EXPECT_EQ(row.record.outcome, "published");
  EXPECT_EQ(row.record.detail, (nlohmann::json{{"head_id", 3}, {"head_hash", before.hash}, {"channel", kChannel}}));
  EXPECT_EQ(row.prevHash, before.hash) << "the published head is the row just before the publication's";

  // What a reader of the channel checks later, after more rows.
  appendRows(5);
  auto published = headIn(posted_[0].message.text);
  ASSERT_TRUE(published) << posted_[0].message.text;
  auto v = audit_->verify(*published);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->headMismatch, "");
  EXPECT_FALSE(v->firstBadId) << v->reason;
}

TEST_F(AuditHeadPublisherTest, OnceADay) {
  appendRows(2);
  auto p = publisher();
  EXPECT_TRUE(p.tick());
  for (std::chrono::minutes step : {1min, 60min, std::chrono::minutes(22h), 58min}) {   // 23:59 after the first
    clock_.advance(step);
    appendRows(1);
    EXPECT_FALSE(p.tick());
  }
  EXPECT_EQ(posted_.size(), 1u);
  clock_.advance(1min);   // 24 h after the first
  EXPECT_TRUE(p.tick());
  ASSERT_EQ(posted_.size(), 2u);
  // The second head includes the first publication's row and the rows since.
  auto second = headIn(posted_[1].message.text);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, 2 + 1 + 4);
  EXPECT_EQ(publications().size(), 2u);
}

TEST_F(AuditHeadPublisherTest, ARestartWithinADayDoesNotPublishAgain) {
  appendRows(2);
  EXPECT_TRUE(publisher().tick());
  clock_.advance(5h);
  {
    auto restarted = publisher();   // a new process: knows only what the trail says
    EXPECT_FALSE(restarted.tick());
  }
  clock_.advance(19h);
  auto restarted = publisher();
  EXPECT_TRUE(restarted.tick());
  EXPECT_EQ(posted_.size(), 2u);
}

TEST_F(AuditHeadPublisherTest, RowsByOthersWithTheSameTargetAreNoPublication) {
  appendRows(1);
  storage::AuditRecord forged;
  forged.actor = "U0MALLORY1";
  forged.action = "audit.head";
  forged.target = "audit-trail";
  forged.outcome = "published";
  ASSERT_TRUE(audit_->append(forged));
  EXPECT_TRUE(publisher().tick());
  EXPECT_EQ(posted_.size(), 1u);
}

TEST_F(AuditHeadPublisherTest, AnEmptyTrailHasNoHeadToPublish) {
  auto p = publisher();
  EXPECT_FALSE(p.tick());
  EXPECT_TRUE(posted_.empty());
  auto h = audit_->head();
  ASSERT_TRUE(h);
  EXPECT_FALSE(*h) << "nothing was audited either";
  appendRows(1);
  clock_.advance(1min);
  EXPECT_TRUE(p.tick());
  ASSERT_EQ(posted_.size(), 1u);
  EXPECT_NE(posted_[0].message.text.find("row 1,"), std::string::npos) << posted_[0].message.text;
}

TEST_F(AuditHeadPublisherTest, WithoutAChannelTheLogIsTheCopyAndThePublicationIsStillAudited) {
  appendRows(1);
  auto p = publisher("");
  EXPECT_TRUE(p.tick());
  EXPECT_TRUE(posted_.empty());
  auto rows = publications();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].record.detail.value("channel", "?"), "");
  clock_.advance(1h);
  EXPECT_FALSE(p.tick());
}

TEST_F(AuditHeadPublisherTest, AClockSetBackByMoreThanADayPublishesAgain) {
  appendRows(1);
  EXPECT_TRUE(publisher().tick());
  clock_.advance(-23h);
  EXPECT_FALSE(publisher().tick()) << "a small step back waits for the day to pass";
  clock_.advance(-2h);   // now 25 h before the last publication
  EXPECT_TRUE(publisher().tick());
}

TEST_F(AuditHeadPublisherTest, AnUnreadableTrailPublishesNothing) {
  appendRows(1);
  {
    SQLite::Database conn(dir_.file("patbot.db"), SQLite::OPEN_READWRITE);
    conn.exec("DROP TRIGGER audit_no_update");
    conn.exec("DROP TRIGGER audit_no_delete");
    conn.exec("DROP TABLE audit");
  }
  auto p = publisher();
  EXPECT_FALSE(p.tick());
  EXPECT_TRUE(posted_.empty());
}

}  // namespace
}  // namespace patbot
