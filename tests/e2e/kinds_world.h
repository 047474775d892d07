// The world of the project and group access token tests (issue 16): fakes::demoSeed plus
//   - project sec/app (id 7) with the project access token kAppTokenName (id 201, Maintainer, bot
//     user 301), whose value its CI variable kAppKey holds;
//   - group sec's group access token kGroupTokenName (id 202, Maintainer, bot user 302), whose value
//     sec/app's CI variable kGroupCiKey holds;
//   - group ops (id 266, no owners) and its project ops/tool (id 8, nobody's member but its bot)
//     with the project access token kToolTokenName (id 203, bot user 303), for a patbot below
//     Maintainer and for ties of a bot user outside its resource.
// Both tokens expire in 10 days; every value is fixed for a date (deterministic).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace patbot::e2e {

inline constexpr const char* kAppProject = "sec/app";
inline constexpr int64_t kAppProjectId = 7;
inline constexpr const char* kAppTokenName = "deploy-token";
inline constexpr int64_t kAppTokenId = 201;
inline constexpr int64_t kAppBotUserId = 301;
inline constexpr const char* kAppKey = "DEPLOY_TOKEN";

inline constexpr const char* kSecGroup = "sec";
inline constexpr int64_t kSecGroupId = 265;
inline constexpr const char* kGroupTokenName = "group-ci";
inline constexpr int64_t kGroupTokenId = 202;
inline constexpr int64_t kGroupBotUserId = 302;
inline constexpr const char* kGroupCiKey = "GROUP_CI_TOKEN";

inline constexpr const char* kOpsGroup = "ops";
inline constexpr int64_t kOpsGroupId = 266;
inline constexpr const char* kToolProject = "ops/tool";
inline constexpr int64_t kToolProjectId = 8;
inline constexpr const char* kToolTokenName = "tool-token";
inline constexpr int64_t kToolTokenId = 203;

// The seed described above.
nlohmann::json kindsSeed(Date today);

}  // namespace patbot::e2e
