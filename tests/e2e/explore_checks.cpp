#include "tests/e2e/explore_checks.h"

#include <map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tests/e2e/explore_world.h"

namespace patbot::e2e::explore {
namespace {

using nlohmann::json;

struct Token {
  int64_t id = 0;
  bool revoked = false;
  bool expired = false;
  std::string value;
};

size_t countOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// The token id a consumer variable holds (0: a value of no known token, -1: no such variable).
int64_t heldBy(const json& state, const Consumer& c, const std::map<std::string, int64_t>& idByValue) {
  const char* list = c.kind == "project" ? "projects" : "groups";
  for (const auto& owner : state.value(list, json::array())) {
    if (owner.value("path", "") != c.owner) continue;
    for (const auto& v : owner.value("variables", json::array())) {
      if (v.value("key", "") != c.key || !v["value"].is_string()) continue;
      auto it = idByValue.find(v["value"].get<std::string>());
      return it == idByValue.end() ? 0 : it->second;
    }
  }
  return -1;
}

// The token id in .../access_tokens/<id>/rotate; 0 for self or anything else.
int64_t rotatedId(const std::string& path) {
  const std::string head = "/access_tokens/", tail = "/rotate";
  size_t start = path.rfind(head);
  if (start == std::string::npos || !isRotateCall(path)) return 0;
  start += head.size();
  std::string id = path.substr(start, path.size() - tail.size() - start);
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(id);
}

}  // namespace

bool isRotateCall(const std::string& path) {
  const std::string tail = "/rotate";
  if (path.size() <= tail.size() || path.compare(path.size() - tail.size(), tail.size(), tail) != 0) return false;
  return path.find("/access_tokens/") != std::string::npos;
}

int rotatesCarriedOut(const json& calls, const std::set<int64_t>& family, std::vector<int64_t>* reused) {
  int n = 0;
  for (const auto& c : calls) {
    if (c.value("method", "") != "POST" || !isRotateCall(c.value("path", ""))) continue;
    int64_t id = rotatedId(c.value("path", ""));
    if (!family.count(id)) continue;
    const int status = c.value("status", 0);
    const std::string fault = c.value("fault", "");
    if ((status >= 200 && status < 300) || fault == "500_after") ++n;
    // patbot's token is an administrator's here: a 401 is GitLab's reuse detection.
    if (status == 401 && fault.empty() && reused) reused->push_back(id);
  }
  return n;
}

const char* endStateName(EndState e) {
  switch (e) {
    case EndState::kUntouched: return "untouched";
    case EndState::kDone: return "done";
    case EndState::kDecision: return "decision";
    case EndState::kImmediateDecision: return "immediate-decision";
    case EndState::kOther: return "other";
  }
  return "?";
}

std::vector<JournalRotation> readJournal(const std::string& dbPath, std::string* error) {
  std::vector<JournalRotation> out;
  try {
    SQLite::Database db(dbPath, SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT id, request_key, state, old_token_id, new_token_id FROM rotations ORDER BY id");
    while (q.executeStep()) {
      JournalRotation r;
      r.id = q.getColumn(0).getInt64();
      r.requestKey = q.getColumn(1).getString();
      r.state = q.getColumn(2).getString();
      r.oldTokenId = q.getColumn(3).getInt64();
      if (!q.getColumn(4).isNull()) r.newTokenId = q.getColumn(4).getInt64();
      out.push_back(r);
    }
  } catch (const std::exception& e) {
    if (error) *error = e.what();
  }
  return out;
}

Verdict checkSchedule(const Schedule& schedule, const Observation& o) {
  const Scenario& sc = *schedule.scenario;
  Verdict v;
  auto add = [&](std::string text) { v.violations.push_back(std::move(text)); };
  for (const auto& note : o.driverNotes) add("(run) " + note);

  std::map<int64_t, Token> named;               // the rotated token's name and account
  std::map<std::string, int64_t> idByValue;     // every token of the fake
  for (const auto& t : o.state.value("tokens", json::array())) {
    Token k{t.value("id", int64_t{0}), t.value("revoked", false), false, t.value("value", "")};
    if (!k.value.empty()) idByValue[k.value] = k.id;
    if (!inFamily(sc, t)) continue;
    named[k.id] = k;
  }
  if (!named.count(sc.tokenId)) {
    add(fmt::format("(c) the rotated token {} is missing from GitLab", sc.tokenId));
    return v;
  }
  const Token& old = named[sc.tokenId];
  std::vector<int64_t> created, activeNew;
  for (const auto& [id, t] : named) {
    if (o.idsBefore.count(id)) continue;
    created.push_back(id);
    if (!t.revoked) activeNew.push_back(id);
  }
  const JournalRotation* last = o.rotations.empty() ? nullptr : &o.rotations.back();

  // (b) one create per request, every orphan revoked.
  std::set<int64_t> owned;   // new tokens a journal row accounts for and keeps
  for (const auto& r : o.rotations) {
    if (r.newTokenId && (r.state == "completed" || r.state == "revoke_scheduled" || r.state == "awaiting_decision")) {
      owned.insert(*r.newTokenId);
    }
  }
  size_t requests = std::max<size_t>(1, o.rotations.size());
  // A rotate strategy may rotate once more per request when an answer was lost (issue 16).
  const size_t createsAllowed = rotatesInPlace(sc) ? 2 * requests : requests;
  if (created.size() > createsAllowed) {
    add(fmt::format("(b) {} tokens created (ids {}) for {} request(s)", created.size(), fmt::join(created, ","), requests));
  }
  // (g) GitLab's rotate: at most one extra rotate per request, and never of a revoked token.
  if (rotatesInPlace(sc)) {
    std::set<int64_t> family;
    for (const auto& [id, t] : named) family.insert(id);
    std::vector<int64_t> reused;
    int rotates = rotatesCarriedOut(o.gitlabCalls, family, &reused);
    if (static_cast<size_t>(rotates) > 2 * requests) {
      add(fmt::format("(g) GitLab carried out {} rotates for {} request(s): more than one extra per request", rotates,
                      requests));
    }
    for (int64_t id : reused) {
      add(fmt::format("(g) a rotate of token {} was answered 401: a revoked token was rotated (reuse detection)", id));
    }
  }
  for (int64_t id : activeNew) {
    if (!owned.count(id)) add(fmt::format("(b) token {} is active but no unfinished or finished rotation keeps it (orphan)", id));
  }
  if (activeNew.size() > 1) add(fmt::format("(b) {} new tokens are active: {}", activeNew.size(), fmt::join(activeNew, ",")));

  // Consumers.
  std::vector<int64_t> held;
  for (const auto& c : consumersOf(sc)) held.push_back(heldBy(o.state, c, idByValue));
  auto everyConsumerHolds = [&](int64_t id) {
    for (int64_t h : held) {
      if (h != id) return false;
    }
    return true;
  };

  // The reveal: the new value reached the requester (a Slack message to its response_url, or
  // the CLI's output).
  bool revealed = false;
  std::string newValue = activeNew.size() == 1 ? named[activeNew.front()].value : "";
  if (sc.reveal && !newValue.empty()) {
    if (schedule.actor == Actor::kCli) {
      revealed = countOf(o.cliOutput, newValue) > 0;
    } else {
      for (const auto& m : o.slackMessages) {
        if (m.value("response_url", json()) == json(o.requesterUrl) && m["message"].dump().find(newValue) != std::string::npos) {
          revealed = true;
        }
      }
    }
  }

  // (c) the end state.
  const bool oldValid = !old.revoked;
  const std::string lastState = last ? last->state : "";
  if (oldValid && activeNew.empty() && everyConsumerHolds(sc.tokenId)) {
    v.end = EndState::kUntouched;
  } else if (activeNew.size() == 1 && everyConsumerHolds(activeNew.front()) &&
             (!sc.reveal || revealed) &&
             (old.revoked || (sc.graceHours && lastState == "revoke_scheduled"))) {
    v.end = EndState::kDone;
  } else if (activeNew.size() == 1 && oldValid && lastState == "awaiting_decision") {
    v.end = EndState::kDecision;
  } else if ((sc.immediate || rotatesInPlace(sc)) && activeNew.size() == 1 && old.revoked &&
             lastState == "awaiting_decision") {
    v.end = EndState::kImmediateDecision;
  }
  if (v.end == EndState::kOther) {
    add(fmt::format("(c) end state is none of untouched/done/decision: old {} {}, active new [{}], consumers hold [{}], "
                    "journal {}{}",
                    sc.tokenId, old.revoked ? "revoked" : "active", fmt::join(activeNew, ","), fmt::join(held, ","),
                    lastState.empty() ? "no rotation" : lastState,
                    sc.reveal && !activeNew.empty() && !revealed ? ", the new value reached nobody" : ""));
  } else if (v.end == EndState::kDecision || v.end == EndState::kImmediateDecision) {
    if (!decisionAllowed(schedule, v.end)) {
      add(fmt::format("(c) ends waiting for a decision ({}) where the table does not allow it: old {} {}, new {}",
                      endStateName(v.end), sc.tokenId, old.revoked ? "revoked" : "active", activeNew.front()));
    }
  }

  // (a) no consumer on a revoked token while a valid one exists (--immediate waits for Retry
  // delivery with the consumers on the revoked old token: allowed where (c) allows that state).
  if (v.end != EndState::kImmediateDecision) {
    bool anyValid = oldValid || !activeNew.empty();
    for (size_t i = 0; i < held.size(); ++i) {
      auto it = named.find(held[i]);
      if (anyValid && it != named.end() && it->second.revoked) {
        add(fmt::format("(a) {} {}'s {} holds revoked token {} while a valid one exists", consumersOf(sc)[i].kind,
                        consumersOf(sc)[i].owner, consumersOf(sc)[i].key, held[i]));
      }
    }
  }

  // (d) the journal agrees with GitLab.
  if (!o.journalError.empty()) add("(d) the journal cannot be read: " + o.journalError);
  auto activeId = [&](std::optional<int64_t> id) { return id && named.count(*id) && !named[*id].revoked; };
  for (const auto& r : o.rotations) {
    std::string where = fmt::format("(d) rotation #{} is {}", r.id, r.state);
    bool oldActive = named.count(r.oldTokenId) && !named[r.oldTokenId].revoked;
    if (r.state == "completed") {
      if (oldActive) add(where + fmt::format(" but old token {} is active", r.oldTokenId));
      if (!activeId(r.newTokenId)) add(where + " but its new token is not active");
    } else if (r.state == "revoke_scheduled") {
      if (!oldActive) add(where + fmt::format(" but old token {} is already revoked", r.oldTokenId));
      if (!activeId(r.newTokenId)) add(where + " but its new token is not active");
    } else if (r.state == "rolled_back" || r.state == "failed") {
      if (activeId(r.newTokenId)) add(where + fmt::format(" but its new token {} is active", *r.newTokenId));
      if (!oldActive) add(where + fmt::format(" but old token {} is revoked", r.oldTokenId));
    } else if (r.state == "awaiting_decision") {
      if (!activeId(r.newTokenId)) add(where + " but its new token is not active");
    } else {
      add(where + " after recovery (not settled)");
    }
  }
  if (o.rotations.empty() && !created.empty()) {
    add(fmt::format("(d) tokens {} were created but the journal has no rotation", fmt::join(created, ",")));
  }

  // (e) the audit chain.
  if (o.auditVerifyExit != 0) {
    add(fmt::format("(e) patbot audit verify exited {}: {}", o.auditVerifyExit, o.auditVerifyOutput.substr(0, 200)));
  }

  // (f) no token value anywhere patbot writes, but the one reveal to the requester.
  std::vector<std::pair<std::string, std::string>> secrets;   // value, label
  for (const auto& [value, id] : idByValue) secrets.emplace_back(value, fmt::format("token {}", id));
  for (size_t i = 0; i < o.stackSecrets.size(); ++i) secrets.emplace_back(o.stackSecrets[i], fmt::format("stack secret #{}", i));
  for (const auto& [value, label] : secrets) {
    if (value.size() < 8) continue;
    const bool revealable = sc.reveal && value == newValue;
    if (o.serveLogs.find(value) != std::string::npos) add(fmt::format("(f) the value of {} is in patbot serve's log", label));
    size_t inCli = countOf(o.cliOutput, value);
    if (inCli > (revealable ? 1u : 0u)) add(fmt::format("(f) the value of {} is in patbot rotate's output {} time(s)", label, inCli));
    if (o.metrics.find(value) != std::string::npos) add(fmt::format("(f) the value of {} is in /metrics", label));
    if (o.dbBytes.find(value) != std::string::npos) add(fmt::format("(f) the value of {} is in the database file", label));
    int allowedLeft = revealable && schedule.actor == Actor::kSlack ? 1 : 0;
    for (const auto& m : o.slackMessages) {
      if (m["message"].dump().find(value) == std::string::npos) continue;
      bool toRequester = m.value("via", "") == "response_url" && m.value("response_url", json()) == json(o.requesterUrl) &&
                         m.value("response_type", "") == "ephemeral";
      if (toRequester && allowedLeft > 0) {
        --allowedLeft;
        continue;
      }
      add(fmt::format("(f) the value of {} is in Slack message #{} ({} to {})", label, m.value("seq", 0),
                      m.value("via", "?"), m.value("channel", "?")));
    }
  }
  std::string logs = o.serveLogs + o.cliOutput;
  for (const auto& [value, label] : secrets) {
    if (value.size() < 8) continue;
    for (size_t pos = logs.find(value); pos != std::string::npos; pos = logs.find(value, pos)) {
      logs.replace(pos, value.size(), "[" + label + "]");
    }
  }
  v.logTail = logs.size() > 6000 ? logs.substr(logs.size() - 6000) : logs;
  return v;
}

}  // namespace patbot::e2e::explore
