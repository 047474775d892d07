// FakeSinkFaults: the fault queue and call log shared by the simulated secret sinks (FakeVault,
// FakeKubernetes). One job: decide, per API call, whether a queued fault answers it instead of the
// simulation, and keep the log of calls that `GET /_fake/calls` shows.
//
// A fault (POST /_fake/fault) is {"method": "PATCH" ("" or absent = any), "path": exact path
// without the query ("" or absent = any), "count": N (default 1), "status": S (default 500),
// "hang": false, "retry_after": seconds (sets Retry-After), "body": JSON to answer (default: the
// sink's own error body for S)}. Faults are kept in order; the first one matching a call answers
// it and uses up one of its `count`. A hanging fault holds the call until the faults are cleared
// (POST /_fake/fault {"clear": true}, /_fake/reset) or the fake is destroyed, then answers 503 with
// the status body; no work is ever done for a faulted call. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace patbot::fakes {

struct SinkFault {
  std::string method;          // "" = any
  std::string path;            // "" = any; exact match on the path without query
  int remaining = 1;           // calls it still answers
  int status = 500;
  bool hang = false;
  int retryAfter = -1;         // seconds for Retry-After; -1 = no header
  nlohmann::json body;         // null = the sink's default body for `status`
};

// One logged call. Never holds a token or a secret value.
struct SinkCall {
  int64_t seq = 0;
  std::string method;
  std::string path;
  std::string query;
  int status = 0;
  std::string auth;            // who called: "none", or the sink's non-secret name for the caller
  bool faulted = false;
};

class SinkFaultQueue {
 public:
  ~SinkFaultQueue();

  // Parses one fault (format above) and appends it; throws std::invalid_argument on a bad body.
  void add(const nlohmann::json& body);
  // Drops every fault and releases hanging calls.
  void clear();
  nlohmann::json toJson() const;

  // The fault answering this call, if any (one of its `count` is used). For a hanging fault this
  // blocks until clear() or destruction, then returns it with status 503.
  std::optional<SinkFault> take(const std::string& method, const std::string& path);
  int held() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SinkFault> faults_;
  uint64_t generation_ = 0;    // bumped by clear(): hanging calls wake up
  bool stopping_ = false;
  int held_ = 0;
};

class SinkCallLog {
 public:
  void record(SinkCall call);
  void clear();
  // Calls with seq > since, as [{seq, method, path, query, status, auth, faulted}].
  nlohmann::json toJson(int64_t since) const;

 private:
  mutable std::mutex mutex_;
  std::vector<SinkCall> calls_;
  int64_t next_ = 1;
};

}  // namespace patbot::fakes
