#include "handlers/cached_inventory.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "gitlab/json_mapping.h"

namespace patbot::handlers {
namespace {

// The snapshot as stored: gitlab::toJson of each owner and token, plus what it may leave out — the
// owner's "kind" and a project or group token's "access_level" — so that a snapshot read back
// after a restart still tells a project's tokens from a service account's. A snapshot stored
// before them reads as personal tokens without a role, which is what it held.
nlohmann::json inventoryJson(const gitlab::Inventory& inv) {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& a : inv.accounts) {
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& t : a.tokens) {
      nlohmann::json token = gitlab::toJson(t);
      if (t.accessLevel) token["access_level"] = *t.accessLevel;
      tokens.push_back(std::move(token));
    }
    nlohmann::json account = gitlab::toJson(a.account);
    account["kind"] = gitlab::tokenKindName(a.account.kind);
    accounts.push_back({{"account", std::move(account)}, {"tokens", std::move(tokens)}});
  }
  return {{"accounts", std::move(accounts)}, {"requests", inv.requests}};
}

std::optional<gitlab::Inventory> inventoryFrom(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("accounts") || !j["accounts"].is_array()) return std::nullopt;
  gitlab::Inventory inv;
  inv.requests = j.value("requests", 0);
  for (const auto& a : j["accounts"]) {
    const nlohmann::json accountJson = a.value("account", nlohmann::json::object());
    auto account = gitlab::parseServiceAccount(accountJson.dump());
    if (!account) return std::nullopt;
    if (accountJson.contains("kind")) {
      auto kind = accountJson["kind"].is_string() ? gitlab::parseTokenKind(accountJson["kind"].get<std::string>())
                                                   : std::nullopt;
      if (!kind) return std::nullopt;
      account->kind = *kind;
    }
    gitlab::AccountTokens entry{*account, {}};
    for (const auto& t : a.value("tokens", nlohmann::json::array())) {
      auto token = gitlab::accessTokenFromJson(t);
      if (!token) return std::nullopt;
      if (t.is_object() && t.contains("access_level") && !t["access_level"].is_null()) {
        if (!t["access_level"].is_number_integer()) return std::nullopt;
        token->accessLevel = t["access_level"].get<int>();
      }
      entry.tokens.push_back(std::move(*token));
    }
    inv.accounts.push_back(std::move(entry));
  }
  return inv;
}

}  // namespace

CachedInventory::CachedInventory(storage::WatcherStore& store, const Clock& clock, const TokenWrites* writes)
    : store_(store), clock_(clock), writes_(writes) {}

void CachedInventory::save(const gitlab::Inventory& inventory, TimePoint takenAt) {
  if (auto saved = store_.saveSnapshot(inventoryJson(inventory), takenAt); !saved) {
    spdlog::warn("watcher: snapshot not saved: {}", saved.error().detail);
  }
  std::lock_guard lock(mutex_);
  snapshot_ = InventorySnapshot{inventory, takenAt, std::chrono::seconds(0)};
}

std::optional<InventorySnapshot> CachedInventory::latest() {
  std::lock_guard lock(mutex_);
  if (!snapshot_) {
    auto stored = store_.loadSnapshot();
    if (!stored || !*stored) return std::nullopt;
    auto inv = inventoryFrom((*stored)->inventory);
    if (!inv) {
      spdlog::warn("watcher: the stored snapshot could not be read; ignoring it");
      return std::nullopt;
    }
    snapshot_ = InventorySnapshot{std::move(*inv), (*stored)->takenAt, std::chrono::seconds(0)};
  }
  InventorySnapshot out = *snapshot_;
  out.age = std::max(std::chrono::seconds(0),
                     std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - out.takenAt));
  return out;
}

std::optional<InventorySnapshot> CachedInventory::reusable() {
  auto snapshot = latest();
  if (!snapshot || !writes_) return snapshot;
  if (auto written = writes_->lastTokenWrite(); written && *written >= snapshot->takenAt) return std::nullopt;
  return snapshot;
}

}  // namespace patbot::handlers
