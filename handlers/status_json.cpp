#include "handlers/status_json.h"

namespace patbot::handlers {

nlohmann::json statusRowJson(const StatusRow& r) {
  nlohmann::json j = {{"account", r.account},
                      {"kind", gitlab::tokenKindName(r.kind)},
                      {"token_name", r.tokenName},
                      {"token_id", r.tokenId},
                      {"scopes", r.scopes},
                      {"state", tokenStateName(r.state)}};
  j["expires_at"] = r.expiresAt ? nlohmann::json(formatDate(*r.expiresAt)) : nlohmann::json(nullptr);
  j["days_left"] = r.daysLeft ? nlohmann::json(*r.daysLeft) : nlohmann::json(nullptr);
  j["last_used_at"] = r.lastUsedAt ? nlohmann::json(formatTimestamp(*r.lastUsedAt)) : nlohmann::json(nullptr);
  j["access_level"] = r.accessLevel ? nlohmann::json(*r.accessLevel) : nlohmann::json(nullptr);
  return j;
}

}  // namespace patbot::handlers
