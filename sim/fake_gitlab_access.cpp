#include "sim/fake_gitlab_access.h"

#include <algorithm>

namespace patbot::fakes {
namespace {

// Whether the group at `groupPath` is `path` itself or above it.
bool covers(const std::string& groupPath, const std::string& path) {
  return path == groupPath || (path.size() > groupPath.size() && path.compare(0, groupPath.size(), groupPath) == 0 &&
                               path[groupPath.size()] == '/');
}

void dropRulesOf(std::vector<FakeAccessRule>& rules, int64_t userId) {
  rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const FakeAccessRule& r) { return r.userId == userId; }),
              rules.end());
}

}  // namespace

std::string resourcePath(const FakeWorld& world, const FakeResourceRef& resource) {
  if (resource.type == "project") {
    auto it = world.projects.find(resource.id);
    return it == world.projects.end() ? "" : it->second.path;
  }
  auto it = world.groups.find(resource.id);
  return it == world.groups.end() ? "" : it->second.path;
}

int directAccessLevel(const FakeWorld& world, int64_t userId, const FakeResourceRef& resource) {
  int level = 0;
  if (resource.type == "project") {
    auto it = world.projects.find(resource.id);
    if (it != world.projects.end() && it->second.maintainers.count(userId)) level = 40;
  } else {
    auto it = world.groups.find(resource.id);
    if (it != world.groups.end() && it->second.owners.count(userId)) level = 50;
  }
  for (const auto& m : world.members) {
    if (m.userId == userId && m.source == resource) level = std::max(level, m.accessLevel);
  }
  return level;
}

int accessLevelOf(const FakeWorld& world, int64_t userId, const FakeResourceRef& resource) {
  int level = directAccessLevel(world, userId, resource);
  const std::string path = resourcePath(world, resource);
  if (path.empty()) return 0;
  for (const auto& [id, g] : world.groups) {
    if (resource.type == "group" && id == resource.id) continue;
    if (covers(g.path, path)) level = std::max(level, directAccessLevel(world, userId, {"group", id}));
  }
  return level;
}

void setDirectMember(FakeWorld& world, int64_t userId, const FakeResourceRef& resource, int level, TimePoint now) {
  if (resource.type == "project") {
    if (auto it = world.projects.find(resource.id); it != world.projects.end()) it->second.maintainers.erase(userId);
  } else if (auto it = world.groups.find(resource.id); it != world.groups.end()) {
    it->second.owners.erase(userId);
  }
  auto& ms = world.members;
  ms.erase(std::remove_if(ms.begin(), ms.end(),
                          [&](const FakeMember& m) { return m.userId == userId && m.source == resource; }),
           ms.end());
  if (level > 0) ms.push_back({userId, resource, level, now});
}

void deleteUser(FakeWorld& world, int64_t userId) {
  if (!world.users.erase(userId)) return;
  auto& ms = world.members;
  ms.erase(std::remove_if(ms.begin(), ms.end(), [&](const FakeMember& m) { return m.userId == userId; }), ms.end());
  for (auto& [id, g] : world.groups) g.owners.erase(userId);
  for (auto& [id, p] : world.projects) {
    p.maintainers.erase(userId);
    for (auto& b : p.protectedBranches) dropRulesOf(b.push, userId), dropRulesOf(b.merge, userId), dropRulesOf(b.unprotect, userId);
    for (auto& e : p.protectedEnvironments) dropRulesOf(e.deploy, userId), dropRulesOf(e.approvals, userId);
  }
  for (auto& [id, t] : world.tokens) {
    if (t.userId == userId) t.revoked = true;
  }
}

}  // namespace patbot::fakes
