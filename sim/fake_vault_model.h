// The state of FakeVault (fake_vault.h): mounts, versioned KV v2 secrets, policies, tokens and
// Kubernetes auth roles, with the seed <-> state mapping and the policy check. No HTTP here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace patbot::fakes::vault {

struct Version {
  nlohmann::json data;                   // the fields, an object
  TimePoint created;
  std::optional<TimePoint> deleted;      // soft-deleted at this time
  bool destroyed = false;
};

struct Secret {
  std::map<int, Version> versions;       // kept versions, by number
  int current = 0;                       // 0 = never written
  bool casRequired = false;
};

struct Mount {
  bool casRequired = false;
  int maxVersions = 10;
};

struct Token {
  std::string name;                      // shown in the call log instead of the value
  std::string value;
  std::string ns;                        // namespace, "" = root
  std::vector<std::string> policies;
  std::optional<TimePoint> expires;
  int ttl = 0;                           // seconds a renewal grants; 0 = not renewable
  bool renewable = false;
  nlohmann::json metadata;               // login metadata, null for seeded tokens
};

struct ServiceAccount {
  std::string jwt, name, ns, uid;
};

struct Role {
  std::string mount = "kubernetes", name;
  std::vector<std::string> boundNames, boundNamespaces, policies;
  int ttl = 3600;
};

// (namespace, mount, path inside the mount)
using SecretKey = std::tuple<std::string, std::string, std::string>;
// path -> capabilities
using Policy = std::map<std::string, std::vector<std::string>>;

struct Model {
  bool sealed = false;
  std::map<std::pair<std::string, std::string>, Mount> mounts;   // (namespace, path)
  std::map<SecretKey, Secret> secrets;
  std::map<std::string, Policy> policies;
  std::vector<Token> tokens;
  std::vector<ServiceAccount> serviceAccounts;
  std::vector<Role> roles;
};

// Throws std::invalid_argument on a malformed seed.
Model modelFromSeed(const nlohmann::json& seed, TimePoint now);
nlohmann::json modelToJson(const Model& m);

// The capabilities `policies` grant on `path` (relative to the token's namespace), sorted:
// ["root"] for the root policy, ["deny"] when nothing is granted or a deny applies.
std::vector<std::string> capabilitiesOf(const Model& m, const std::vector<std::string>& policies,
                                        const std::string& path);

// Adds a version holding `data` to `s` (dropping versions beyond `maxVersions`); returns its number.
int addVersion(Secret& s, nlohmann::json data, TimePoint now, int maxVersions);

// Namespace names without leading or trailing slashes.
std::string normalizeNamespace(std::string ns);

}  // namespace patbot::fakes::vault
