#include <algorithm>
#include <iostream>

#include "bot/cli.h"
#include "bot/logging.h"
#include "core/clock.h"
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

}  // namespace

int runAudit(const EnvLookup& env, const AuditOptions& options) {
  auto config = loadConfig(ConfigNeeds::kLocal, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, "warn");
  auto db = storage::Database::open(config->dbPath);
  if (!db) return fail(db.error().message);
  SystemClock clock;
  storage::SqliteAuditStore store(**db, clock);
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
  auto rows = store.latest(q);
  if (!rows) return fail(rows.error().message);

  if (options.format == "jsonl") {
    for (const auto& e : *rows) {
      nlohmann::json j = {{"id", e.id}, {"ts", e.ts}, {"actor", e.record.actor}, {"action", e.record.action},
                          {"target", e.record.target}, {"outcome", e.record.outcome}, {"detail", e.record.detail},
                          {"request_id", e.record.requestId}, {"hash", e.hash}};
      std::cout << j.dump() << "\n";
    }
  } else if (options.format == "csv") {
    std::cout << "id,ts,actor,action,target,outcome,detail,request_id\n";
    for (const auto& e : *rows) {
      std::cout << e.id << ',' << e.ts << ',' << csvField(e.record.actor) << ',' << csvField(e.record.action) << ','
                << csvField(e.record.target) << ',' << csvField(e.record.outcome) << ','
                << csvField(e.record.detail.dump()) << ',' << e.record.requestId << "\n";
    }
  } else {
    for (const auto& e : *rows) {
      std::cout << e.ts << "  #" << e.id << "  " << e.record.actor << "  " << e.record.action << "  "
                << (e.record.target.empty() ? "-" : e.record.target) << "  " << e.record.outcome << "  "
                << e.record.detail.dump() << "\n";
    }
    if (rows->empty()) std::cout << "(no audit rows match)\n";
  }
  std::cout.flush();
  return 0;
}

int runAuditVerify(const EnvLookup& env) {
  auto config = loadConfig(ConfigNeeds::kLocal, env);
  if (!config) return fail(config.error().message);
  setupLogging(config->logFormat, "warn");
  auto db = storage::Database::open(config->dbPath);
  if (!db) return fail(db.error().message);
  SystemClock clock;
  storage::SqliteAuditStore store(**db, clock);
  auto report = store.verify();
  if (!report) return fail(report.error().message);
  if (report->firstBadId) {
    std::cout << "audit chain BROKEN at row " << *report->firstBadId << ": " << report->reason << " ("
              << report->rowsChecked << " rows checked)" << std::endl;
    return 1;
  }
  std::cout << "audit chain intact: " << report->rowsChecked << " rows verified" << std::endl;
  return 0;
}

}  // namespace patbot::cli
