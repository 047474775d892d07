#include <algorithm>
#include <cctype>
#include <functional>
#include <iostream>
#include <optional>
#include <vector>

#include "bot/cli.h"
#include "bot/logging.h"
#include "core/clock.h"
#include "core/lower_case.h"
#include "storage/database.h"
#include "storage/sqlite_audit_store.h"

namespace patbot::cli {
namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

// Runs `use` on the audit trail of the configured database (local configuration, logging at
// warn and above) and returns its exit code; 2 with the problem on stderr when the
// configuration or the database cannot be used.
int withAuditStore(const EnvLookup& env, const std::function<int(storage::SqliteAuditStore&)>& use) {
  auto config = loadConfig(ConfigNeeds::kLocal, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, "warn");
  logConfigWarnings(*config);
  auto db = storage::Database::open(config->dbPath);
  if (!db) return fail(db.error().message);
  SystemClock clock;
  storage::SqliteAuditStore store(**db, clock);
  return use(store);
}

// `rows` on stdout as `format` says: table (the default), jsonl or csv.
void printAuditRows(const std::vector<storage::AuditEntry>& rows, const std::string& format) {
  if (format == "jsonl") {
    for (const auto& e : rows) {
      nlohmann::json j = {{"id", e.id}, {"ts", e.ts}, {"actor", e.record.actor}, {"action", e.record.action},
                          {"target", e.record.target}, {"outcome", e.record.outcome}, {"detail", e.record.detail},
                          {"request_id", e.record.requestId}, {"hash", e.hash}};
      std::cout << j.dump() << "\n";
    }
  } else if (format == "csv") {
    std::cout << "id,ts,actor,action,target,outcome,detail,request_id\n";
    for (const auto& e : rows) {
      std::cout << e.id << ',' << e.ts << ',' << csvField(e.record.actor) << ',' << csvField(e.record.action) << ','
                << csvField(e.record.target) << ',' << csvField(e.record.outcome) << ','
                << csvField(e.record.detail.dump()) << ',' << e.record.requestId << "\n";
    }
  } else {
    for (const auto& e : rows) {
      std::cout << e.ts << "  #" << e.id << "  " << e.record.actor << "  " << e.record.action << "  "
                << (e.record.target.empty() ? "-" : e.record.target) << "  " << e.record.outcome << "  "
                << e.record.detail.dump() << "\n";
    }
    if (rows.empty()) std::cout << "(no audit rows match)\n";
  }
  std::cout.flush();
}

}  // namespace

int runAudit(const EnvLookup& env, const AuditOptions& options) {
  storage::AuditQuery q;
  q.limit = options.limit;
  // A number is a token id (also found in rotation rows' detail); anything else an exact target.
  if (options.token && !options.token->empty() &&
      std::all_of(options.token->begin(), options.token->end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      options.token->size() < 19) {
    q.tokenId = std::stoll(*options.token);
  } else {
    q.target = options.token;
  }
  q.actor = options.actor;
  q.since = options.since;
  return withAuditStore(env, [&](storage::SqliteAuditStore& store) {
    auto rows = store.latest(q);
    if (!rows) return fail(rows.error().message);
    printAuditRows(*rows, options.format);
    return 0;
  });
}

namespace {

// "ROW_ID:SHA256" → the head; the hash is returned in lower case. The error never repeats the
// argument (whatever was pasted there stays out of the terminal's scrollback and CI logs).
Result<storage::AuditHead> parseExpectedHead(const std::string& text) {
  auto bad = [](const std::string& why) {
    return Error::make(ErrorKind::kInvalidInput,
                       "--expect-head must be ROW_ID:SHA256 as patbot serve publishes it (e.g. "
                       "1234:9f86d081…, 64 hex digits): " + why);
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos) return bad("there is no colon");
  const std::string id = text.substr(0, colon);
  const std::string hash = text.substr(colon + 1);
  if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoll(id) < 1) {
    return bad("the row id is not a positive whole number");
  }
  if (hash.size() != 64 || !std::all_of(hash.begin(), hash.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
    return bad("the hash is not 64 hex digits");
  }
  return storage::AuditHead{std::stoll(id), lowerCase(hash)};
}

}  // namespace

int runAuditVerify(const EnvLookup& env, const AuditVerifyOptions& options) {
  std::optional<storage::AuditHead> expected;
  if (options.expectHead) {
    auto parsed = parseExpectedHead(*options.expectHead);
    if (!parsed) return fail(parsed.error().message);
    expected = *parsed;
  }
  return withAuditStore(env, [&](storage::SqliteAuditStore& store) {
    auto report = expected ? store.verify(*expected) : store.verify();
    if (!report) return fail(report.error().message);
    if (!report->headMismatch.empty()) {
      std::cout << "audit trail does NOT hold the expected head: " << report->headMismatch;
      if (report->firstBadId) {
        std::cout << "; the chain is also broken at row " << *report->firstBadId << ": " << report->reason;
      }
      std::cout << std::endl;
      return 1;
    }
    if (report->firstBadId) {
      std::cout << "audit chain BROKEN at row " << *report->firstBadId << ": " << report->reason << " ("
                << report->rowsChecked << " rows checked)" << std::endl;
      return 1;
    }
    std::cout << "audit chain intact: " << report->rowsChecked << " rows verified";
    if (expected) std::cout << "; row " << expected->id << " has the expected hash";
    std::cout << std::endl;
    return 0;
  });
}

}  // namespace patbot::cli
