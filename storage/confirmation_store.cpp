#include "storage/confirmation_store.h"

#include <utility>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include "core/time_format.h"
#include "storage/bind_values.h"
#include "storage/json_column.h"

namespace patbot::storage {
namespace {

constexpr const char* kResolutionConfirmed = "confirmed";
constexpr const char* kResolutionCancelled = "cancelled";

std::optional<std::string> randomId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(sizeof bytes * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

struct Row {
  Confirmation c;
  std::string resolution;
};

std::optional<Row> selectRow(SQLite::Database& conn, const std::string& id) {
  SQLite::Statement q(conn,
                      "SELECT id, kind, requested_by, channel_id, request, created_at, "
                      "expires_at, used_at, used_by, resolution FROM confirmations WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  Row r;
  r.c.id = q.getColumn(0).getString();
  r.c.kind = q.getColumn(1).getString();
  r.c.requestedBy = q.getColumn(2).getString();
  r.c.channelId = q.getColumn(3).getString();
  r.c.request = parseJsonColumn(q.getColumn(4).getString());
  r.c.createdAt = q.getColumn(5).getString();
  r.c.expiresAt = q.getColumn(6).getString();
  if (!q.getColumn(7).isNull()) r.c.usedAt = q.getColumn(7).getString();
  r.c.usedBy = q.getColumn(8).getString();
  r.resolution = q.getColumn(9).getString();
  return r;
}

Error expiredError(const Confirmation& c) {
  int64_t minutes = 0;
  auto created = parseTimestamp(c.createdAt);
  auto expires = parseTimestamp(c.expiresAt);
  if (created && expires) {
    minutes = std::chrono::duration_cast<std::chrono::minutes>(*expires - *created).count();
  }
  return Error::make(ErrorKind::kInvalidInput,
                     fmt::format("this confirmation expired after {} minute{}; run the command "
                                 "again",
                                 minutes, minutes == 1 ? "" : "s"));
}

}  // namespace

ConfirmationStore::ConfirmationStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Confirmation> ConfirmationStore::create(std::string kind, std::string requestedBy,
                                               std::string channelId, nlohmann::json request,
                                               std::chrono::minutes ttl) {
  if (kind.empty()) {
    return Error::make(ErrorKind::kInvalidInput, "a confirmation needs a kind");
  }
  if (ttl < std::chrono::minutes(1)) {
    return Error::make(ErrorKind::kInvalidInput, "a confirmation must live at least a minute");
  }
  auto id = randomId();
  if (!id) {
    return Error::make(ErrorKind::kInternal, "no random confirmation id could be drawn",
                       "RAND_bytes failed");
  }
  const TimePoint now = clock_.now();
  Confirmation c;
  c.id = std::move(*id);
  c.kind = std::move(kind);
  c.requestedBy = std::move(requestedBy);
  c.channelId = std::move(channelId);
  c.createdAt = formatTimestamp(now);
  c.expiresAt = formatTimestamp(now + ttl);
  const std::string requestText = jsonColumnText(request);
  c.request = parseJsonColumn(requestText);

  return db_.write("storing a confirmation", [&](SQLite::Database& conn) -> Result<Confirmation> {
    SQLite::Statement ins(conn,
                          "INSERT INTO confirmations(id, kind, requested_by, channel_id, request, "
                          "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    bindValues(ins, c.id, c.kind, c.requestedBy, c.channelId, requestText, c.createdAt, c.expiresAt);
    ins.exec();
    return c;
  });
}

Result<Confirmation> ConfirmationStore::consume(const std::string& id, const std::string& by) {
  return resolve(id, by, kResolutionConfirmed);
}

Result<Confirmation> ConfirmationStore::cancel(const std::string& id, const std::string& by) {
  return resolve(id, by, kResolutionCancelled);
}

Result<Confirmation> ConfirmationStore::resolve(const std::string& id, const std::string& by,
                                                const char* resolution) {
  const std::string now = formatTimestamp(clock_.now());
  // The UPDATE changes the row only when it wins; every error below follows an UPDATE that
  // matched nothing, so rolling the transaction back loses no write.
  return db_.writeTransaction(
      "using a confirmation", [&](SQLite::Database& conn) -> Result<Confirmation> {
    SQLite::Statement upd(conn,
                          "UPDATE confirmations SET used_at = ?, used_by = ?, resolution = ? "
                          "WHERE id = ? AND used_at IS NULL AND expires_at > ?");
    bindValues(upd, now, by, resolution, id, now);
    const bool won = upd.exec() == 1;
    auto row = selectRow(conn, id);
    if (!row) {
      return Error::make(ErrorKind::kNotFound,
                         "this confirmation is unknown; run the command again");
    }
    if (won) return std::move(row->c);
    if (row->c.usedAt) {
      return Error::make(ErrorKind::kConflict,
                         fmt::format("already {} by {} at {}",
                                     row->resolution.empty() ? kResolutionConfirmed
                                                             : row->resolution,
                                     row->c.usedBy, *row->c.usedAt));
    }
    return expiredError(row->c);
  });
}

}  // namespace patbot::storage
