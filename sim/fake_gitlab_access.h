// Who may do what in the fake GitLab, as GitLab's membership model has it, and the deletion of a
// user with everything that goes with it. A user's direct level on a project or group is its
// membership there (FakeWorld::members; a project's `maintainers` count as 40, a group's
// `owners` as 50; the highest wins). A member of a group is also a member, at that level, of every
// project and subgroup below the group's path ("sec" covers "sec/app" and "sec/infra/db"); the
// effective level is the highest of the direct and the inherited ones. Pure functions over a
// FakeWorld; the caller holds the fake's mutex.
#pragma once

#include <cstdint>
#include <string>

#include "sim/fake_gitlab_model.h"

namespace patbot::fakes {

// The full path of a project or group; "" when it does not exist.
std::string resourcePath(const FakeWorld& world, const FakeResourceRef& resource);

// The direct level of `userId` on `resource`; 0 when it is no direct member.
int directAccessLevel(const FakeWorld& world, int64_t userId, const FakeResourceRef& resource);

// The effective level: direct or inherited from a group above; 0 when none.
int accessLevelOf(const FakeWorld& world, int64_t userId, const FakeResourceRef& resource);

// Makes `level` the user's direct level on `resource`: it leaves the project's maintainers or the
// group's owners and its entry is replaced; level 0 removes the membership.
void setDirectMember(FakeWorld& world, int64_t userId, const FakeResourceRef& resource, int level,
                     TimePoint now);

// GitLab's deletion of a user: the user, its memberships (entries, maintainers, owners) and every
// protected branch / environment rule naming it go; its tokens are revoked and stay on record (a
// revoked project or group token is still listed). Nothing happens for an unknown id.
void deleteUser(FakeWorld& world, int64_t userId);

}  // namespace patbot::fakes
