// Seeds for FakeGitLab (format in fake_gitlab.h): a small realistic instance for the demo and
// wiring tests, and generated instances for scale tests and benches. Deterministic for a date.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace patbot::fakes {

// Admin "root" (user 1) with token "patbot-admin"; "sec-owner" (user 2) owning group "sec" (265)
// with token "patbot-group"; service accounts inventory-bot (10), deploy-bot (11), backup-bot
// (12), renovate-bot (13), docs-bot (14), all provisioned by group 265. Notable tokens:
// inventory-bot "GitLab Security Service - Architecture - Inventory" expires today+5 and is held
// by sec/inventory-builder's GITLAB_API_TOKEN and group sec's INVENTORY_TOKEN; deploy-bot
// "registry" today+12; backup-bot "nightly-backup" expired yesterday; deploy-bot "old-deploy"
// revoked; the rest 100-300 days out. Projects: sec/inventory-builder (id 5, failed pipeline 47
// on main, verify_variable GITLAB_API_TOKEN) and sec/team (id 6, open issue 262).
nlohmann::json demoSeed(Date today);

// `accounts` service accounts ("svc-0001"...) with `tokensPerAccount` tokens each, expiries spread
// from today-10 to today+400 days (a few revoked), values "glpat-gen-<account>-<n>-<hex>", plus
// the admin root and a group owner. groupMode: the accounts belong to group "sec" (265).
nlohmann::json generatedSeed(int accounts, int tokensPerAccount, Date today, bool groupMode);

// The value of the first unrevoked api-scoped token of an admin user; "" when none.
std::string adminTokenOf(const nlohmann::json& seed);
// The value of the first unrevoked api-scoped token of an owner of the first group; "" when none.
std::string groupOwnerTokenOf(const nlohmann::json& seed);

}  // namespace patbot::fakes
