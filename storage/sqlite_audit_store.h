// SqliteAuditStore: AuditStore over the `audit` table of a Database (migration 1; the token-id
// filter of latest() needs migration 4's indexes).
//
// append() holds the Database's write mutex and one BEGIN IMMEDIATE transaction while it reads
// the chain's head and inserts the next row with an explicit id (head id + 1, never below
// sqlite_sequence, so a deleted tail leaves a detectable gap) and its hash, so appends from many
// threads, or from another process on the same file, never fork the chain. latest() and
// verify() hold the write mutex too, so they never see another thread's uncommitted row; verify()
// therefore blocks appends while it runs (about a second per million rows).
// Failures come back as Error kStorage (kInvalidInput for a bad query); nothing throws.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <SQLiteCpp/Statement.h>

#include "core/clock.h"
#include "storage/audit_store.h"
#include "storage/database.h"

namespace patbot::storage {

class SqliteAuditStore final : public AuditStore {
 public:
  static constexpr int kMaxLimit = 1000;

  // Borrows `db` and `clock`; both must outlive the store.
  SqliteAuditStore(Database& db, const Clock& clock);
  ~SqliteAuditStore() override;

  // Group commit: concurrent callers queue their rows and whichever holds the write lock first
  // commits every queued row in one transaction (one WAL write for the batch); each caller
  // still returns only once its own row is committed, with its own id or the batch's error.
  // A caller refused by the write lock (Database::WriteLock, the database held by another
  // process) withdraws its row, which is then never written, and returns the refusal.
  // Durability: the Database syncs every commit (synchronous=FULL), so a row is on disk when
  // append() returns it; a batch costs one sync however many rows it holds.
  Result<int64_t> append(const AuditRecord& record) override;
  // Rows whose append() has queued them and that no committer has taken yet (tests, metrics).
  size_t queued();
  // query.limit must be 1..kMaxLimit; query.since must be an RFC 3339 timestamp.
  // With query.tokenId, the newest `limit` matching ids are taken from each of audit_target and
  // migration 4's three detail indexes and the newest `limit` of their union are read: the cost
  // depends on the rows about that token, not on the size of the trail.
  Result<std::vector<AuditEntry>> latest(const AuditQuery& query) override;
  // The plan SQLite chooses for latest(query): the detail column of EXPLAIN QUERY PLAN, one
  // line per step (for tests that assert no step scans the audit table).
  Result<std::vector<std::string>> explainLatest(const AuditQuery& query);
  // Checks, in id order: ids run 1, 2, 3… without gaps ("id gap"), each prev_hash equals the
  // previous row's hash (the first: 64 zeros), each hash recomputes ("hash mismatch").
  // Rows deleted from the end show as a gap against sqlite_sequence (firstBadId = the first
  // missing id). Stops at the first bad row; rowsChecked counts the rows read, the bad one
  // included.
  Result<VerifyReport> verify() override;
  // verify(), then, in the same read snapshot, looks row expectedHead.id up by id: missing
  // ("row N is missing …", naming where the trail ends) or with another hash ("row N's hash is
  // … , not the expected …") sets headMismatch. The chain is checked in full either way.
  Result<VerifyReport> verify(const AuditHead& expectedHead) override;
  // The row with the highest id (one index step).
  Result<std::optional<AuditHead>> head() override;

 private:
  Result<VerifyReport> verifyChain(const AuditHead* expectedHead);
  struct AppendStatements;
  struct Pending {
    uint64_t ticket;
    std::string ts;
    AuditRecord record;
  };
  // Commits `batch` in one transaction under `lock`; one result per entry.
  std::vector<Result<int64_t>> commitBatch(const std::vector<Pending>& batch,
                                           Database::WriteLock& lock);

  Database& db_;
  const Clock& clock_;
  std::unique_ptr<AppendStatements> append_;  // prepared on first append, guarded by the mutex

  std::mutex queueMutex_;                      // guards the three members below
  uint64_t nextTicket_ = 0;
  std::vector<Pending> pending_;               // queued, not yet taken by a committer
  std::map<uint64_t, Result<int64_t>> done_;   // committed by someone else, not yet collected
};

}  // namespace patbot::storage
