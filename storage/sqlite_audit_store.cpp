#include "storage/sqlite_audit_store.h"

#include <optional>
#include <algorithm>
#include <mutex>
#include <string>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "core/time_format.h"
#include "storage/audit_hash.h"

namespace patbot::storage {
namespace {

constexpr const char* kColumns =
    "id, ts, actor, action, target, outcome, detail, request_id, prev_hash, hash";

// Reads one row selected with kColumns; returns the detail column's stored text in `detailText`.
AuditEntry readRow(SQLite::Statement& q, std::string& detailText) {
  AuditEntry e;
  e.id = q.getColumn(0).getInt64();
  e.ts = q.getColumn(1).getString();
  e.record.actor = q.getColumn(2).getString();
  e.record.action = q.getColumn(3).getString();
  e.record.target = q.getColumn(4).getString();
  e.record.outcome = q.getColumn(5).getString();
  detailText = q.getColumn(6).getString();
  e.record.requestId = q.getColumn(7).getString();
  e.prevHash = q.getColumn(8).getString();
  e.hash = q.getColumn(9).getString();
  return e;
}

// The ways a row can be about a token (AuditQuery::tokenId), each answered by one index: the
// target column (audit_target) and the three detail keys (migration 4's partial expression
// indexes, whose expressions these conditions repeat exactly). INDEXED BY makes preparing the
// query fail, rather than silently scan a million rows, if an index is missing or no longer
// matches its condition. Against the pre-index query (target = :token_text OR
// json_extract(detail, '$.old_token_id') = :token_id OR ...), the json_valid() guard changes
// nothing for a detail SQLite can parse, which is every detail auditDetailText() writes short
// of 2000 levels of nesting.
struct TokenBranch {
  const char* index;
  const char* condition;
};
constexpr TokenBranch kTokenBranches[] = {
    {"audit_target", "target = :token_text"},
    {"audit_old_token_id",
     "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.old_token_id') END = :token_id"},
    {"audit_new_token_id",
     "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.new_token_id') END = :token_id"},
    {"audit_token_id",
     "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.token_id') END = :token_id"},
};

// Checks the parts of `query` SQLite cannot; returns `since` in the stored timestamp form ("" when
// absent).
Result<std::string> checkQuery(const AuditQuery& query) {
  if (query.limit < 1 || query.limit > SqliteAuditStore::kMaxLimit) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("the limit must be from 1 to {} (got {})",
                                   SqliteAuditStore::kMaxLimit, query.limit));
  }
  if (!query.since) return std::string();
  auto t = parseTimestamp(*query.since);
  if (!t) {
    return Error::make(ErrorKind::kInvalidInput,
                       "the start time must be an RFC 3339 timestamp, e.g. "
                       "2025-01-31T00:00:00Z");
  }
  return formatTimestamp(*t);
}

// The SQL of latest(query); parameters :target, :token_text, :token_id, :actor, :since, :limit.
// Without a token id, one walk of the primary key or of the filter's index, newest first.
// With one, each branch of kTokenBranches yields its newest `limit` ids that pass the other
// filters (walking its index backwards, no sort), and the newest `limit` rows among them are
// read. That is the old single query's answer: a row among its newest `limit` matches one
// branch, and fewer than `limit` rows of that branch (all of them matches too) are newer.
std::string latestSql(const AuditQuery& query) {
  std::string filters;
  if (query.target) filters += " AND target = :target";
  if (query.actor) filters += " AND actor = :actor";
  if (query.since) filters += " AND ts >= :since";
  if (!query.tokenId) {
    return fmt::format("SELECT {} FROM audit WHERE 1=1{} ORDER BY id DESC LIMIT :limit", kColumns,
                       filters);
  }
  std::string ids;
  for (const auto& b : kTokenBranches) {
    if (!ids.empty()) ids += " UNION ALL ";
    ids += fmt::format(
        "SELECT id FROM (SELECT id FROM audit INDEXED BY {} WHERE {}{} "
        "ORDER BY id DESC LIMIT :limit)",
        b.index, b.condition, filters);
  }
  return fmt::format("SELECT {} FROM audit WHERE id IN ({}) ORDER BY id DESC LIMIT :limit",
                     kColumns, ids);
}

void bindQuery(SQLite::Statement& q, const AuditQuery& query, const std::string& since) {
  if (query.target) q.bind(":target", *query.target);
  if (query.tokenId) {
    q.bind(":token_text", std::to_string(*query.tokenId));
    q.bind(":token_id", *query.tokenId);
  }
  if (query.actor) q.bind(":actor", *query.actor);
  if (query.since) q.bind(":since", since);
  q.bind(":limit", query.limit);
}

}  // namespace

// Prepared once: compiling them on every append costs more than the append itself.
struct SqliteAuditStore::AppendStatements {
  explicit AppendStatements(SQLite::Database& conn)
      : head(conn, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"),
        seq(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'"),
        insert(conn,
               "INSERT INTO audit(id, ts, actor, action, target, outcome, detail, request_id, "
               "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)") {}

  SQLite::Statement head;
  SQLite::Statement seq;
  SQLite::Statement insert;
};

SqliteAuditStore::SqliteAuditStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

SqliteAuditStore::~SqliteAuditStore() = default;

Result<int64_t> SqliteAuditStore::append(const AuditRecord& record) {
  uint64_t ticket = 0;
  {
    std::lock_guard q(queueMutex_);
    ticket = ++nextTicket_;
    pending_.push_back(Pending{ticket, formatTimestamp(clock_.now()), record});
  }
  Database::WriteLock lock(db_, "appending an audit row");
  std::vector<Pending> batch;
  {
    std::lock_guard q(queueMutex_);
    // A committer that held the lock before us may have taken (and committed) our row.
    if (auto it = done_.find(ticket); it != done_.end()) {
      auto result = std::move(it->second);
      done_.erase(it);
      return result;
    }
    if (lock.refusal()) {
      // Not in done_, so no committer took our row (they finish under the write lock, which we
      // hold): it is still queued. Withdraw only it; each other caller is refused or not by the
      // rule applied to its own wait.
      auto mine = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Pending& p) { return p.ticket == ticket; });
      if (mine != pending_.end()) pending_.erase(mine);
      return *lock.refusal();
    }
    batch.swap(pending_);
  }
  auto results = commitBatch(batch, lock);
  std::optional<Result<int64_t>> mine;
  {
    std::lock_guard q(queueMutex_);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].ticket == ticket) mine = std::move(results[i]);
      else done_.emplace(batch[i].ticket, std::move(results[i]));
    }
  }
  return std::move(*mine);
}

size_t SqliteAuditStore::queued() {
  std::lock_guard q(queueMutex_);
  return pending_.size();
}

std::vector<Result<int64_t>> SqliteAuditStore::commitBatch(const std::vector<Pending>& batch,
                                                           Database::WriteLock& lock) {
  std::vector<Result<int64_t>> results;
  try {
    auto& conn = db_.db();
    if (!append_) append_ = std::make_unique<AppendStatements>(conn);
    auto& st = *append_;
    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);

    int64_t lastId = 0;
    std::string prevHash = kGenesisHash;
    st.head.reset();
    if (st.head.executeStep()) {
      lastId = st.head.getColumn(0).getInt64();
      prevHash = st.head.getColumn(1).getString();
    }
    st.head.reset();
    st.seq.reset();
    if (st.seq.executeStep()) lastId = std::max(lastId, st.seq.getColumn(0).getInt64());
    st.seq.reset();

    for (const auto& p : batch) {
      AuditEntry e;
      e.id = ++lastId;
      e.ts = p.ts;
      e.record = p.record;
      const std::string detailText = auditDetailText(p.record.detail);
      e.hash = auditHash(prevHash, e, detailText);

      auto& ins = st.insert;
      ins.reset();
      ins.clearBindings();
      ins.bind(1, e.id);
      ins.bind(2, e.ts);
      ins.bind(3, p.record.actor);
      ins.bind(4, p.record.action);
      ins.bind(5, p.record.target);
      ins.bind(6, p.record.outcome);
      ins.bind(7, detailText);
      ins.bind(8, p.record.requestId);
      ins.bind(9, prevHash);
      ins.bind(10, e.hash);
      ins.exec();
      ins.reset();
      prevHash = e.hash;
      results.emplace_back(e.id);
    }
    tx.commit();
    return results;
  } catch (const std::exception& ex) {
    append_.reset();  // re-prepare next time (the schema may have changed)
    Error error = lock.fail(ex);
    return std::vector<Result<int64_t>>(batch.size(), Result<int64_t>(error));
  }
}

Result<std::vector<AuditEntry>> SqliteAuditStore::latest(const AuditQuery& query) {
  auto since = checkQuery(query);
  if (!since) return since.error();
  const std::string sql = latestSql(query);
  return db_.read("reading the audit trail",
                  [&](SQLite::Database& conn) -> Result<std::vector<AuditEntry>> {
    SQLite::Statement q(conn, sql);
    bindQuery(q, query, *since);
    std::vector<AuditEntry> out;
    std::string detailText;
    while (q.executeStep()) {
      AuditEntry e = readRow(q, detailText);
      e.record.detail = nlohmann::json::parse(detailText, nullptr, false);
      if (e.record.detail.is_discarded()) e.record.detail = detailText;
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<std::vector<std::string>> SqliteAuditStore::explainLatest(const AuditQuery& query) {
  auto since = checkQuery(query);
  if (!since) return since.error();
  const std::string sql = "EXPLAIN QUERY PLAN " + latestSql(query);
  return db_.read("explaining an audit query",
                  [&](SQLite::Database& conn) -> Result<std::vector<std::string>> {
    SQLite::Statement q(conn, sql);
    bindQuery(q, query, *since);
    std::vector<std::string> plan;
    while (q.executeStep()) plan.push_back(q.getColumn(3).getString());
    return plan;
  });
}

Result<VerifyReport> SqliteAuditStore::verify() { return verifyChain(nullptr); }

Result<VerifyReport> SqliteAuditStore::verify(const AuditHead& expectedHead) {
  return verifyChain(&expectedHead);
}

Result<std::optional<AuditHead>> SqliteAuditStore::head() {
  return db_.read("reading the audit trail's head",
                  [](SQLite::Database& conn) -> Result<std::optional<AuditHead>> {
    SQLite::Statement q(conn, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!q.executeStep()) return std::optional<AuditHead>();
    return std::optional<AuditHead>(AuditHead{q.getColumn(0).getInt64(), q.getColumn(1).getString()});
  });
}

namespace {

// Why the trail (read in the caller's snapshot) does not hold `expected`; "" when it does.
std::string headMismatch(SQLite::Database& conn, const AuditHead& expected) {
  SQLite::Statement row(conn, "SELECT hash FROM audit WHERE id = ?");
  row.bind(1, expected.id);
  if (row.executeStep()) {
    const std::string hash = row.getColumn(0).getString();
    if (hash == expected.hash) return "";
    return fmt::format(
        "row {}'s hash is {}, not the expected {}: that row or one before it was rewritten",
        expected.id, hash, expected.hash);
  }
  SQLite::Statement last(conn, "SELECT max(id) FROM audit");
  last.executeStep();
  if (last.getColumn(0).isNull()) {
    return fmt::format("row {} is missing (the trail is empty): the trail was emptied or replaced",
                       expected.id);
  }
  const int64_t end = last.getColumn(0).getInt64();
  if (end < expected.id) {
    return fmt::format(
        "row {} is missing (the trail ends at row {}): the trail was truncated or replaced",
        expected.id, end);
  }
  return fmt::format("row {} is missing (the trail goes on to row {}): it was deleted", expected.id,
                     end);
}

}  // namespace

Result<VerifyReport> SqliteAuditStore::verifyChain(const AuditHead* expectedHead) {
  return db_.read("verifying the audit trail", [&](SQLite::Database& conn) -> Result<VerifyReport> {
    // One read snapshot for the rows and the id sequence: another process (patbot serve) may
    // append in between, and a row appended after the scan would read as a missing one.
    SQLite::Transaction snapshot(conn, SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement q(conn, fmt::format("SELECT {} FROM audit ORDER BY id", kColumns));
    VerifyReport report;
    int64_t expectedId = 1;
    std::string prevHash = kGenesisHash;
    std::string detailText;
    while (q.executeStep()) {
      AuditEntry e = readRow(q, detailText);
      ++report.rowsChecked;
      std::string reason;
      if (e.id != expectedId) {
        reason = e.id > expectedId ? fmt::format("id gap: row {} is missing", expectedId)
                                   : fmt::format("id out of order: expected {}", expectedId);
      } else if (e.prevHash != prevHash) {
        reason = e.id == 1 ? std::string("prev_hash of the first row is not the genesis value")
                           : fmt::format("prev_hash does not match row {}", e.id - 1);
      } else if (auditHash(prevHash, e, detailText) != e.hash) {
        reason = "hash mismatch";
      }
      if (!reason.empty()) {
        report.firstBadId = e.id;
        report.reason = std::move(reason);
        break;
      }
      prevHash = e.hash;
      ++expectedId;
    }
    if (!report.firstBadId) {
      SQLite::Statement seq(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'");
      if (seq.executeStep() && seq.getColumn(0).getInt64() >= expectedId) {
        report.firstBadId = expectedId;
        report.reason = fmt::format("id gap: rows {} to {} are missing", expectedId,
                                    seq.getColumn(0).getInt64());
      }
    }
    if (expectedHead) report.headMismatch = headMismatch(conn, *expectedHead);
    return report;
  });
}

}  // namespace patbot::storage
