#include "sim/seeds.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>

namespace patbot::fakes {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;

constexpr int64_t kGroupId = 265;

std::string dateIn(Date today, int d) { return formatDate(today + days(d)); }

std::string stampAt(Date today, int dayOffset, int hour = 9, int millis = 0) {
  return formatTimestamp(TimePoint(today + days(dayOffset)) + hours(hour) + std::chrono::milliseconds(millis));
}

std::string randomValue(std::mt19937_64& rng, size_t n) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[rng() % kAlphabet.size()]);
  return out;
}

json token(int64_t id, int64_t userId, const std::string& name, std::vector<std::string> scopes,
           const std::string& expiresAt, const std::string& createdAt, json lastUsedAt, const std::string& value,
           bool revoked = false) {
  return {{"id", id},
          {"user_id", userId},
          {"name", name},
          {"description", nullptr},
          {"scopes", std::move(scopes)},
          {"expires_at", expiresAt},
          {"revoked", revoked},
          {"created_at", createdAt},
          {"last_used_at", std::move(lastUsedAt)},
          {"value", value}};
}

json variable(const std::string& key, const std::string& value) {
  return {{"key", key},          {"value", value},          {"masked", true},         {"protected", false},
          {"raw", false},        {"environment_scope", "*"}, {"variable_type", "env_var"}, {"hidden", false},
          {"description", nullptr}};
}

json consumerProjects(const std::string& inventoryValue) {
  return json::array(
      {{{"id", 5},
        {"path", "sec/inventory-builder"},
        {"maintainers", {1, 2}},
        {"variables", {variable("GITLAB_API_TOKEN", inventoryValue)}},
        {"pipelines", {{{"id", 47}, {"iid", 12}, {"ref", "main"}, {"status", "failed"}}}},
        {"verify_variable", "GITLAB_API_TOKEN"},
        {"issues", json::array()}},
       {{"id", 6},
        {"path", "sec/team"},
        {"maintainers", {1, 2}},
        {"variables", json::array()},
        {"pipelines", json::array()},
        {"verify_variable", ""},
        {"issues",
         {{{"iid", 262},
           {"title", "Rotate the Inventory token before it expires"},
           {"description", "Tracking issue for inventory-bot's token."},
           {"state", "opened"},
           {"labels", {"pat-expiry", "security"}}}}}}});
}

json humans() {
  return json::array({{{"id", 1}, {"username", "root"}, {"name", "Administrator"}, {"admin", true}},
                      {{"id", 2}, {"username", "sec-owner"}, {"name", "Security Owner"}, {"admin", false}}});
}

json secGroup(const std::string& inventoryValue) {
  return json::array(
      {{{"id", kGroupId}, {"path", "sec"}, {"owners", {2}}, {"variables", {variable("INVENTORY_TOKEN", inventoryValue)}}}});
}

std::string firstTokenOf(const json& seed, const std::function<bool(int64_t)>& userOk) {
  if (!seed.is_object() || !seed.contains("tokens")) return "";
  for (const auto& t : seed["tokens"]) {
    if (t.value("revoked", false) || !userOk(t.value("user_id", int64_t{0}))) continue;
    auto scopes = t.value("scopes", std::vector<std::string>{});
    if (std::find(scopes.begin(), scopes.end(), "api") == scopes.end()) continue;
    return t.value("value", "");
  }
  return "";
}

}  // namespace

json demoSeed(Date today) {
  std::mt19937_64 rng(20240611);
  auto v = [&] { return "glpat-" + randomValue(rng, 20); };
  std::string inventory = v();
  json sas = json::array();
  const std::vector<std::pair<std::string, std::string>> accounts = {{"inventory-bot", "Inventory"},
                                                                     {"deploy-bot", "Deploy"},
                                                                     {"backup-bot", "Backup"},
                                                                     {"renovate-bot", "Renovate"},
                                                                     {"docs-bot", "Docs"}};
  for (size_t i = 0; i < accounts.size(); ++i) {
    sas.push_back({{"id", 10 + static_cast<int64_t>(i)},
                   {"username", accounts[i].first},
                   {"name", accounts[i].second},
                   {"group_id", kGroupId}});
  }
  json tokens = json::array({
      token(1, 1, "patbot-admin", {"api"}, dateIn(today, 200), stampAt(today, -165), stampAt(today, 0, 7, 120), v()),
      token(2, 2, "patbot-group", {"api"}, dateIn(today, 180), stampAt(today, -185), nullptr, v()),
      token(101, 10, "GitLab Security Service - Architecture - Inventory", {"api"}, dateIn(today, 5),
            stampAt(today, -360, 14, 729), stampAt(today, -1, 23, 311), inventory),
      token(102, 10, "inventory-readonly", {"read_api"}, dateIn(today, 220), stampAt(today, -145),
            stampAt(today, -3, 10, 5), v()),
      token(103, 11, "registry", {"read_registry", "write_registry"}, dateIn(today, 12), stampAt(today, -353),
            stampAt(today, -2, 4, 877), v()),
      token(104, 11, "old-deploy", {"api"}, dateIn(today, 40), stampAt(today, -325), stampAt(today, -30), v(), true),
      token(105, 11, "deploy-ci", {"api", "write_repository"}, dateIn(today, 150), stampAt(today, -215),
            stampAt(today, 0, 3, 42), v()),
      token(106, 12, "nightly-backup", {"read_api", "read_repository"}, dateIn(today, -1), stampAt(today, -366),
            stampAt(today, -2, 2, 1), v()),
      token(107, 12, "backup-restore", {"api"}, dateIn(today, 290), stampAt(today, -75), nullptr, v()),
      token(108, 13, "renovate", {"api", "write_repository"}, dateIn(today, 120), stampAt(today, -245),
            stampAt(today, 0, 1, 500), v()),
      token(109, 13, "renovate-read", {"read_api"}, dateIn(today, 300), stampAt(today, -65), nullptr, v()),
      token(110, 14, "docs-publish", {"write_repository", "read_repository"}, dateIn(today, 250),
            stampAt(today, -115), stampAt(today, -9, 18, 250), v()),
  });
  return {{"max_lifetime_days", 365}, {"users", humans()},        {"groups", secGroup(inventory)},
          {"service_accounts", sas},  {"tokens", tokens},         {"projects", consumerProjects(inventory)}};
}

json generatedSeed(int accounts, int tokensPerAccount, Date today, bool groupMode) {
  std::mt19937_64 rng(static_cast<uint64_t>(accounts) * 1000003u + static_cast<uint64_t>(tokensPerAccount));
  static const std::vector<std::string> kPurposes = {"ci-deploy", "registry", "backup", "inventory",
                                                     "renovate",  "docs",     "metrics", "release"};
  static const std::vector<std::vector<std::string>> kScopes = {
      {"api"}, {"read_api"}, {"read_registry", "write_registry"}, {"api", "write_repository"}, {"read_repository"}};
  json sas = json::array();
  json tokens = json::array(
      {token(1, 1, "patbot-admin", {"api"}, dateIn(today, 300), stampAt(today, -60), nullptr,
             "glpat-gen-admin-" + randomValue(rng, 16)),
       token(2, 2, "patbot-group", {"api"}, dateIn(today, 300), stampAt(today, -60), nullptr,
             "glpat-gen-owner-" + randomValue(rng, 16))});
  std::string firstValue;
  int64_t nextToken = 10000;
  int serial = 0;
  for (int a = 1; a <= accounts; ++a) {
    char username[32];
    std::snprintf(username, sizeof username, "svc-%04d", a);
    int64_t userId = 1000 + a;
    sas.push_back({{"id", userId},
                   {"username", username},
                   {"name", "Service " + std::to_string(a)},
                   {"group_id", groupMode ? json(kGroupId) : json(nullptr)}});
    for (int n = 1; n <= tokensPerAccount; ++n, ++serial) {
      int expiresIn = -10 + static_cast<int>((static_cast<int64_t>(serial) * 37 + a * 11) % 411);
      bool revoked = serial % 17 == 16;
      json lastUsed = serial % 3 == 0 ? json(nullptr) : json(stampAt(today, -(serial % 40), serial % 24, serial % 1000));
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
      std::string value = "glpat-gen-" + std::to_string(a) + "-" + std::to_string(n) + "-" + hex;
      if (firstValue.empty()) firstValue = value;
      std::string name = kPurposes[static_cast<size_t>(serial) % kPurposes.size()] + "-" + std::to_string(n);
      tokens.push_back(token(nextToken++, userId, name, kScopes[static_cast<size_t>(serial) % kScopes.size()],
                             dateIn(today, expiresIn), stampAt(today, std::min(expiresIn - 365, -1)), lastUsed, value, revoked));
    }
  }
  if (firstValue.empty()) firstValue = "glpat-gen-none-00000000";
  return {{"max_lifetime_days", 365}, {"users", humans()},  {"groups", secGroup(firstValue)},
          {"service_accounts", sas},  {"tokens", tokens},   {"projects", consumerProjects(firstValue)}};
}

std::string adminTokenOf(const json& seed) {
  return firstTokenOf(seed, [&](int64_t userId) {
    for (const auto& u : seed.value("users", json::array())) {
      if (u.value("id", int64_t{-1}) == userId && u.value("admin", false)) return true;
    }
    return false;
  });
}

std::string groupOwnerTokenOf(const json& seed) {
  auto groups = seed.value("groups", json::array());
  if (groups.empty()) return "";
  auto owners = groups.front().value("owners", std::vector<int64_t>{});
  return firstTokenOf(seed, [&](int64_t userId) {
    return std::find(owners.begin(), owners.end(), userId) != owners.end();
  });
}

}  // namespace patbot::fakes
