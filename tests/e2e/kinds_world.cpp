#include "tests/e2e/kinds_world.h"

#include <fmt/format.h>

#include "sim/seeds.h"
#include "tests/e2e/fake_gitlab_view.h"

namespace patbot::e2e {
namespace {

using nlohmann::json;

// A bot user of a project or group, as GitLab names one.
json botUser(int64_t id, const char* type, int64_t resourceId, const std::string& tokenName) {
  return {{"id", id},
          {"username", fmt::format("{}_{}_bot_{:032x}", type, resourceId, id)},
          {"name", tokenName},
          {"bot_of", {{"resource_type", type}, {"resource_id", resourceId}}}};
}

json resourceToken(int64_t id, int64_t userId, const std::string& name, const char* type, int64_t resourceId,
                   Date today, int expiresInDays) {
  return {{"id", id},
          {"user_id", userId},
          {"name", name},
          {"description", nullptr},
          {"scopes", {"api"}},
          {"expires_at", formatDate(today + std::chrono::days(expiresInDays))},
          {"revoked", false},
          {"created_at", formatTimestamp(TimePoint(today - std::chrono::days(355)))},
          {"last_used_at", nullptr},
          {"value", fmt::format("glpat-kinds-{}-{}-{:08x}", type, id, (id * 2654435761u) & 0xffffffffu)},
          {"resource_type", type},
          {"resource_id", resourceId},
          {"access_level", 40}};
}

json member(int64_t userId, const char* type, int64_t sourceId, int level) {
  return {{"user_id", userId}, {"source_type", type}, {"source_id", sourceId}, {"access_level", level},
          {"created_at", "2025-01-01T00:00:00.000Z"}};
}

}  // namespace

json kindsSeed(Date today) {
  json seed = fakes::demoSeed(today);
  json app = resourceToken(kAppTokenId, kAppBotUserId, kAppTokenName, "project", kAppProjectId, today, 10);
  json group = resourceToken(kGroupTokenId, kGroupBotUserId, kGroupTokenName, "group", kSecGroupId, today, 10);
  json tool = resourceToken(kToolTokenId, 303, kToolTokenName, "project", kToolProjectId, today, 10);
  seed["users"].push_back(botUser(kAppBotUserId, "project", kAppProjectId, kAppTokenName));
  seed["users"].push_back(botUser(kGroupBotUserId, "group", kSecGroupId, kGroupTokenName));
  seed["users"].push_back(botUser(303, "project", kToolProjectId, kToolTokenName));
  for (const auto& t : {app, group, tool}) seed["tokens"].push_back(t);
  seed["members"] = json::array({member(kAppBotUserId, "project", kAppProjectId, 40),
                                 member(kGroupBotUserId, "group", kSecGroupId, 40),
                                 member(303, "project", kToolProjectId, 40)});
  seed["projects"].push_back({{"id", kAppProjectId},
                              {"path", kAppProject},
                              {"maintainers", json::array()},
                              {"variables", {ciVariable(kAppKey, app["value"]), ciVariable(kGroupCiKey, group["value"])}},
                              {"pipelines", json::array()},
                              {"verify_variable", ""},
                              {"issues", json::array()}});
  seed["groups"].push_back({{"id", kOpsGroupId}, {"path", kOpsGroup}, {"owners", json::array()}, {"variables", json::array()}});
  seed["projects"].push_back({{"id", kToolProjectId},
                              {"path", kToolProject},
                              {"maintainers", json::array()},
                              {"variables", json::array()},
                              {"pipelines", json::array()},
                              {"verify_variable", ""},
                              {"issues", json::array()}});
  return seed;
}

}  // namespace patbot::e2e
