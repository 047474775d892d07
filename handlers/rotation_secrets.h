// RotationSecrets: the token values a rotation may still need after execute() returns — the new
// token's value (to retry a delivery) and each consumer's previous value (to roll back) — held
// in process memory only, never on disk (SPEC §5.3: values are not journaled). A restart
// forgets them; decisions that need a forgotten value are refused with an explanation.
// Thread-safe. Entries are dropped when their rotation ends.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/secret.h"

namespace patbot::handlers {

class RotationSecrets {
 public:
  void putNew(int64_t rotationId, const Secret& value) {
    std::lock_guard lock(mutex_);
    entries_[rotationId].newValue = value.clone();
  }
  // Keeps the first value seen for a consumer: a retried delivery must not record the new value
  // as the "previous" one. `value` nullopt = GitLab did not return it (hidden variable).
  void putPrevious(int64_t rotationId, const std::string& consumer, const std::optional<Secret>& value) {
    std::lock_guard lock(mutex_);
    entries_[rotationId].previous.emplace(consumer, value ? std::optional<Secret>(value->clone()) : std::nullopt);
  }
  std::optional<Secret> newValue(int64_t rotationId) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(rotationId);
    if (it == entries_.end()) return std::nullopt;
    if (!it->second.newValue) return std::nullopt;
    return it->second.newValue->clone();
  }
  std::optional<Secret> previous(int64_t rotationId, const std::string& consumer) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(rotationId);
    if (it == entries_.end()) return std::nullopt;
    auto p = it->second.previous.find(consumer);
    if (p == it->second.previous.end()) return std::nullopt;
    if (!p->second) return std::nullopt;
    return p->second->clone();
  }
  void forget(int64_t rotationId) {
    std::lock_guard lock(mutex_);
    entries_.erase(rotationId);
  }

 private:
  struct Entry {
    std::optional<Secret> newValue;
    std::map<std::string, std::optional<Secret>> previous;
  };
  mutable std::mutex mutex_;
  std::map<int64_t, Entry> entries_;
};

}  // namespace patbot::handlers
