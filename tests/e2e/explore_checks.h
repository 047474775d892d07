// The assertions made after every schedule, from the fake GitLab's own state, the journal in the
// database file, and every byte patbot wrote (issue 12 (a)-(f)). Messages name token ids, never
// a token value.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/explore_allowed.h"
#include "tests/e2e/explore_model.h"

namespace patbot::e2e::explore {

struct JournalRotation {
  int64_t id = 0;
  std::string requestKey;
  std::string state;
  int64_t oldTokenId = 0;
  std::optional<int64_t> newTokenId;
};

// The rotations table; `error` set when the file cannot be read.
std::vector<JournalRotation> readJournal(const std::string& dbPath, std::string* error);

// Everything gathered once a schedule has ended (after the final restart and recovery).
struct Observation {
  nlohmann::json state;               // GET /_fake/state of the fake GitLab
  nlohmann::json slackMessages;       // GET /_fake/messages of the fake Slack
  nlohmann::json gitlabCalls;         // GET /_fake/calls: every GitLab call of the schedule
  std::vector<JournalRotation> rotations;
  std::string journalError;
  std::string serveLogs;              // every `patbot serve` process of the schedule
  std::string cliOutput;              // `patbot rotate` (stdout and stderr), actor cli
  std::string metrics;                // GET /metrics at the end
  std::string dbBytes;                // the database file and its -wal
  int auditVerifyExit = -1;
  std::string auditVerifyOutput;
  std::string requesterUrl;           // response_url of the rotate command (actor slack)
  std::set<int64_t> idsBefore;        // the rotated token's name: ids in the seed
  std::vector<std::string> stackSecrets;
  std::vector<std::string> driverNotes;   // problems of the run itself (never settled, fault never fired)
};

struct Verdict {
  EndState end = EndState::kOther;
  std::vector<std::string> violations;   // "(c) ...", "(f) ..." etc.
  std::string logTail;                   // the end of patbot's logs, every token value replaced by its id
};

Verdict checkSchedule(const Schedule& schedule, const Observation& o);

// A GitLab rotate call's path: .../access_tokens/<digits or self>/rotate.
bool isRotateCall(const std::string& path);
// The rotate calls among `calls` that GitLab carried out (a 2xx, or a fault after the work),
// for the tokens in `family`; and those that reached a revoked token (reuse detection) in `reused`.
int rotatesCarriedOut(const nlohmann::json& calls, const std::set<int64_t>& family, std::vector<int64_t>* reused);

}  // namespace patbot::e2e::explore
