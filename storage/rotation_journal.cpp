#include "storage/rotation_journal.h"

#include <array>
#include <functional>
#include <utility>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "core/redact.h"
#include "core/time_format.h"
#include "storage/bind_values.h"
#include "storage/json_column.h"

namespace patbot::storage {
namespace {

struct StateName {
  RotationState state;
  const char* name;
};

constexpr std::array<StateName, 14> kStateNames = {{
    {RotationState::kPlanned, "planned"},
    {RotationState::kCreating, "creating"},
    {RotationState::kCreated, "created"},
    {RotationState::kDelivering, "delivering"},
    {RotationState::kDelivered, "delivered"},
    {RotationState::kVerifying, "verifying"},
    {RotationState::kVerified, "verified"},
    {RotationState::kRevokeScheduled, "revoke_scheduled"},
    {RotationState::kRevoking, "revoking"},
    {RotationState::kCompleted, "completed"},
    {RotationState::kRollingBack, "rolling_back"},
    {RotationState::kRolledBack, "rolled_back"},
    {RotationState::kFailed, "failed"},
    {RotationState::kAwaitingDecision, "awaiting_decision"},
}};

// Must match the partial index rotations_one_running of migration 2.
constexpr const char* kUnfinishedWhere = "state NOT IN ('completed', 'rolled_back', 'failed')";

constexpr const char* kColumns =
    "id, request_key, actor, account, account_id, token_name, old_token_id, new_token_id, state, "
    "immediate, plan, error, created_at, updated_at, revoke_after, channel_id, response_url, new_value_sha256";

RotationRecord readRecord(SQLite::Statement& q) {
  RotationRecord r;
  r.id = q.getColumn(0).getInt64();
  r.requestKey = q.getColumn(1).getString();
  r.actor = q.getColumn(2).getString();
  r.account = q.getColumn(3).getString();
  r.accountId = q.getColumn(4).getInt64();
  r.tokenName = q.getColumn(5).getString();
  r.oldTokenId = q.getColumn(6).getInt64();
  if (!q.getColumn(7).isNull()) r.newTokenId = q.getColumn(7).getInt64();
  const std::string state = q.getColumn(8).getString();
  // An unknown name (written by a newer patbot) reads as kAwaitingDecision: a human decides.
  r.state = parseRotationState(state).value_or(RotationState::kAwaitingDecision);
  r.immediate = q.getColumn(9).getInt() != 0;
  r.plan = parseJsonColumn(q.getColumn(10).getString());
  r.error = q.getColumn(11).getString();
  r.createdAt = q.getColumn(12).getString();
  r.updatedAt = q.getColumn(13).getString();
  if (!q.getColumn(14).isNull()) r.revokeAfter = q.getColumn(14).getString();
  r.channelId = q.getColumn(15).getString();
  r.responseUrl = q.getColumn(16).getString();
  r.newValueSha256 = q.getColumn(17).getString();
  return r;
}

std::optional<RotationRecord> selectOne(SQLite::Database& conn, const std::string& where,
                                        const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement q(conn, fmt::format("SELECT {} FROM rotations WHERE {}", kColumns, where));
  bind(q);
  if (!q.executeStep()) return std::nullopt;
  return readRecord(q);
}

std::optional<RotationRecord> selectById(SQLite::Database& conn, int64_t id) {
  return selectOne(conn, "id = ?", [id](SQLite::Statement& q) { q.bind(1, id); });
}

std::vector<RotationRecord> selectMany(SQLite::Statement& q) {
  std::vector<RotationRecord> out;
  while (q.executeStep()) out.push_back(readRecord(q));
  return out;
}

Error notFound(int64_t id) {
  return Error::make(ErrorKind::kNotFound, fmt::format("rotation #{} does not exist", id));
}

Error alreadyFinished(const RotationRecord& r) {
  return Error::make(ErrorKind::kConflict,
                     fmt::format("rotation #{} has already finished ({})", r.id,
                                 rotationStateName(r.state)));
}

void insertStep(SQLite::Database& conn, int64_t id, const std::string& step,
                const std::string& phase, const nlohmann::json& detail, const std::string& ts) {
  SQLite::Statement ins(conn,
                        "INSERT INTO rotation_steps(rotation_id, step, phase, detail, ts) "
                        "VALUES (?, ?, ?, ?, ?)");
  bindValues(ins, id, step, phase, jsonColumnText(detail), ts);
  ins.exec();
}

}  // namespace

const char* rotationStateName(RotationState state) {
  for (const auto& s : kStateNames) {
    if (s.state == state) return s.name;
  }
  return "unknown";
}

std::optional<RotationState> parseRotationState(std::string_view name) {
  for (const auto& s : kStateNames) {
    if (name == s.name) return s.state;
  }
  return std::nullopt;
}

bool isTerminal(RotationState state) {
  return state == RotationState::kCompleted || state == RotationState::kRolledBack ||
         state == RotationState::kFailed;
}

RotationJournal::RotationJournal(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<RotationJournal::BeginResult> RotationJournal::begin(const RotationRecord& planned) {
  if (planned.requestKey.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a rotation needs a request key");
  }
  if (planned.oldTokenId <= 0) {
    return Error::make(ErrorKind::kInvalidInput, "a rotation needs the id of the token to replace");
  }
  if (isTerminal(planned.state)) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("a rotation cannot start in state {}",
                                   rotationStateName(planned.state)));
  }
  std::optional<std::string> revokeAfter;
  if (planned.revokeAfter) {
    auto when = parseTimestamp(*planned.revokeAfter);
    if (!when) {
      return Error::make(ErrorKind::kInvalidInput,
                         "the revoke time must be an RFC 3339 timestamp, e.g. "
                         "2025-01-31T00:00:00Z");
    }
    revokeAfter = formatTimestamp(*when);
  }
  return db_.writeTransaction("starting a rotation",
                              [&](SQLite::Database& conn) -> Result<BeginResult> {
    if (auto existing = selectOne(conn, "request_key = ?", [&](SQLite::Statement& q) {
          q.bind(1, planned.requestKey);
        })) {
      return BeginResult{std::move(*existing), false};
    }
    if (auto running = selectOne(
            conn, fmt::format("old_token_id = ? AND {}", kUnfinishedWhere),
            [&](SQLite::Statement& q) { q.bind(1, planned.oldTokenId); })) {
      return Error::make(
          ErrorKind::kConflict,
          fmt::format("a rotation of this token started by {} at {} is still running (#{})",
                      running->actor, running->createdAt, running->id),
          fmt::format("rotation #{} is in state {}", running->id,
                      rotationStateName(running->state)));
    }
    // The replacement an unfinished rotation created is that rotation's to finish or undo.
    if (auto owner = selectOne(
            conn, fmt::format("new_token_id = ? AND {}", kUnfinishedWhere),
            [&](SQLite::Statement& q) { q.bind(1, planned.oldTokenId); })) {
      return Error::make(
          ErrorKind::kConflict,
          fmt::format("this token is the replacement created by rotation #{} (started by {} at {}), "
                      "which is still {}",
                      owner->id, owner->actor, owner->createdAt, rotationStateName(owner->state)),
          fmt::format("rotation #{} is in state {}", owner->id, rotationStateName(owner->state)));
    }
    const std::string now = formatTimestamp(clock_.now());
    SQLite::Statement ins(
        conn,
        "INSERT INTO rotations(request_key, actor, account, account_id, token_name, "
        "old_token_id, new_token_id, state, immediate, plan, error, created_at, updated_at, "
        "revoke_after, channel_id, response_url) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bindValues(ins, planned.requestKey, planned.actor, planned.account, planned.accountId,
               planned.tokenName, planned.oldTokenId, planned.newTokenId,
               rotationStateName(planned.state), planned.immediate ? 1 : 0,
               jsonColumnText(planned.plan), redactSecrets(planned.error), now, now, revokeAfter,
               planned.channelId, planned.responseUrl);
    ins.exec();
    auto created = selectById(conn, conn.getLastInsertRowid());
    if (!created) {
      return Error::make(ErrorKind::kInternal, "the new rotation could not be read back");
    }
    return BeginResult{std::move(*created), true};
  });
}

Status RotationJournal::step(int64_t id, const std::string& step, const std::string& phase,
                             RotationState newState, const nlohmann::json& detail) {
  auto moved = journalMove(id, std::nullopt, step, phase, newState, detail);
  if (!moved) return moved.error();
  return okStatus();
}

Result<bool> RotationJournal::transition(int64_t id, RotationState expected, const std::string& step,
                                         const std::string& phase, RotationState newState,
                                         const nlohmann::json& detail) {
  return journalMove(id, expected, step, phase, newState, detail);
}

Result<bool> RotationJournal::journalMove(int64_t id, std::optional<RotationState> expected,
                                          const std::string& step, const std::string& phase,
                                          RotationState newState, const nlohmann::json& detail) {
  if (step.empty() || phase.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a journal step needs a name and a phase");
  }
  return db_.writeTransaction(
      fmt::format("journaling step {}/{} of rotation #{}", step, phase, id),
      [&](SQLite::Database& conn) -> Result<bool> {
    auto current = selectById(conn, id);
    if (!current) return notFound(id);
    if (!expected && isTerminal(current->state)) return alreadyFinished(*current);
    if (expected && current->state != *expected) return false;
    const std::string now = formatTimestamp(clock_.now());
    insertStep(conn, id, step, phase, detail, now);
    SQLite::Statement upd(conn, "UPDATE rotations SET state = ?, updated_at = ? WHERE id = ?");
    bindValues(upd, rotationStateName(newState), now, id);
    upd.exec();
    return true;
  });
}

Status RotationJournal::setNewToken(int64_t id, int64_t newTokenId, const std::string& valueSha256) {
  return db_.writeTransaction(
      fmt::format("recording the new token of rotation #{}", id),
      [&](SQLite::Database& conn) -> Status {
    auto current = selectById(conn, id);
    if (!current) return notFound(id);
    if (current->newTokenId) {
      if (*current->newTokenId == newTokenId) return okStatus();
      return Error::make(ErrorKind::kConflict,
                         fmt::format("rotation #{} already has replacement token {}", id,
                                     *current->newTokenId));
    }
    SQLite::Statement upd(conn,
                          "UPDATE rotations SET new_token_id = ?, new_value_sha256 = ?, updated_at = ? "
                          "WHERE id = ?");
    bindValues(upd, newTokenId, valueSha256, formatTimestamp(clock_.now()), id);
    upd.exec();
    return okStatus();
  });
}

Status RotationJournal::replaceRotatedNewToken(int64_t id, int64_t rotatedTokenId, int64_t newTokenId,
                                               const std::string& valueSha256) {
  return db_.writeTransaction(
      fmt::format("recording the new token of rotation #{}", id),
      [&](SQLite::Database& conn) -> Status {
    auto current = selectById(conn, id);
    if (!current) return notFound(id);
    if (current->newTokenId != rotatedTokenId) {
      return Error::make(ErrorKind::kConflict,
                         fmt::format("rotation #{} records replacement token {}, not the rotated token {}", id,
                                     current->newTokenId ? std::to_string(*current->newTokenId) : "none",
                                     rotatedTokenId));
    }
    SQLite::Statement upd(conn,
                          "UPDATE rotations SET new_token_id = ?, new_value_sha256 = ?, updated_at = ? "
                          "WHERE id = ?");
    bindValues(upd, newTokenId, valueSha256, formatTimestamp(clock_.now()), id);
    upd.exec();
    return okStatus();
  });
}

Status RotationJournal::setRevokeAfter(int64_t id, const std::string& rfc3339) {
  auto when = parseTimestamp(rfc3339);
  if (!when) {
    return Error::make(ErrorKind::kInvalidInput,
                       "the revoke time must be an RFC 3339 timestamp, e.g. 2025-01-31T00:00:00Z");
  }
  return db_.write(fmt::format("scheduling the revoke of rotation #{}", id),
                   [&](SQLite::Database& conn) -> Status {
    SQLite::Statement upd(conn, "UPDATE rotations SET revoke_after = ?, updated_at = ? WHERE id = ?");
    bindValues(upd, formatTimestamp(*when), formatTimestamp(clock_.now()), id);
    if (upd.exec() == 0) return notFound(id);
    return okStatus();
  });
}

Status RotationJournal::finish(int64_t id, RotationState terminal, const std::string& error) {
  if (!isTerminal(terminal)) {
    return Error::make(ErrorKind::kInvalidInput,
                       fmt::format("a rotation cannot finish in state {}",
                                   rotationStateName(terminal)));
  }
  return db_.writeTransaction(fmt::format("finishing rotation #{}", id),
                              [&](SQLite::Database& conn) -> Status {
    auto current = selectById(conn, id);
    if (!current) return notFound(id);
    const std::string now = formatTimestamp(clock_.now());
    const std::string storedError = redactSecrets(error);
    if (isTerminal(current->state)) {
      if (current->state != terminal) return alreadyFinished(*current);
      if (current->error.empty() && !storedError.empty()) {
        SQLite::Statement upd(conn, "UPDATE rotations SET error = ?, updated_at = ? WHERE id = ?");
        bindValues(upd, storedError, now, id);
        upd.exec();
      }
      return okStatus();
    }
    insertStep(conn, id, "finish", "done",
               {{"state", rotationStateName(terminal)}, {"error", storedError}}, now);
    SQLite::Statement upd(conn,
                          "UPDATE rotations SET state = ?, error = ?, updated_at = ? WHERE id = ?");
    bindValues(upd, rotationStateName(terminal), storedError, now, id);
    upd.exec();
    return okStatus();
  });
}

Result<std::optional<RotationRecord>> RotationJournal::find(int64_t id) {
  return db_.read(fmt::format("reading rotation #{}", id),
                  [id](SQLite::Database& conn) -> Result<std::optional<RotationRecord>> {
    return selectById(conn, id);
  });
}

Result<std::optional<RotationRecord>> RotationJournal::findByRequestKey(const std::string& key) {
  return db_.read("reading a rotation by request key",
                  [&key](SQLite::Database& conn) -> Result<std::optional<RotationRecord>> {
    return selectOne(conn, "request_key = ?", [&](SQLite::Statement& q) { q.bind(1, key); });
  });
}

Result<std::vector<RotationRecord>> RotationJournal::unfinished() {
  return db_.read("reading unfinished rotations",
                  [](SQLite::Database& conn) -> Result<std::vector<RotationRecord>> {
    SQLite::Statement q(conn, fmt::format("SELECT {} FROM rotations WHERE {} ORDER BY id",
                                          kColumns, kUnfinishedWhere));
    return selectMany(q);
  });
}

Result<std::vector<RotationRecord>> RotationJournal::dueRevokes(const std::string& nowRfc3339) {
  auto now = parseTimestamp(nowRfc3339);
  if (!now) {
    return Error::make(ErrorKind::kInvalidInput,
                       "the time must be an RFC 3339 timestamp, e.g. 2025-01-31T00:00:00Z");
  }
  return db_.read("reading due revokes",
                  [&now](SQLite::Database& conn) -> Result<std::vector<RotationRecord>> {
    SQLite::Statement q(conn,
                        fmt::format("SELECT {} FROM rotations WHERE state = ? AND revoke_after "
                                    "IS NOT NULL AND revoke_after <= ? ORDER BY revoke_after, id",
                                    kColumns));
    bindValues(q, rotationStateName(RotationState::kRevokeScheduled), formatTimestamp(*now));
    return selectMany(q);
  });
}

Result<std::vector<JournalStep>> RotationJournal::steps(int64_t id) {
  return db_.read(fmt::format("reading the steps of rotation #{}", id),
                  [id](SQLite::Database& conn) -> Result<std::vector<JournalStep>> {
    SQLite::Statement q(conn,
                        "SELECT rotation_id, step, phase, detail, ts FROM rotation_steps "
                        "WHERE rotation_id = ? ORDER BY id");
    q.bind(1, id);
    std::vector<JournalStep> out;
    while (q.executeStep()) {
      JournalStep s;
      s.rotationId = q.getColumn(0).getInt64();
      s.step = q.getColumn(1).getString();
      s.phase = q.getColumn(2).getString();
      s.detail = parseJsonColumn(q.getColumn(3).getString());
      s.ts = q.getColumn(4).getString();
      out.push_back(std::move(s));
    }
    return out;
  });
}

}  // namespace patbot::storage
