// Which consumers hold a rotation's new token, told by the SHA-256 the journal keeps of its value
// (never the value itself). Recovery and decisions use it after a restart, when the new value is
// no longer in memory: a consumer that holds it gives the value back, so a delivery a crash
// interrupted can be finished; if none holds it, nothing got it and the new token can be revoked.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/secret.h"
#include "gitlab/gitlab_api.h"

namespace patbot::handlers {

struct ConsumerHoldings {
  std::optional<Secret> value;            // the new value, read back from a consumer holding it
  std::vector<std::string> holding;       // labels (variableLabel) of consumers holding it
  std::vector<std::string> notHolding;    // read, and holding something else
  // Could not be read (GitLab error) or hidden (GitLab returns no value): "label: why".
  std::vector<std::string> unknown;
  // Every value read, by label (new or not), for a roll back to find a previous value by its
  // digest. Memory only; dropped with this object.
  std::map<std::string, Secret> values;
  bool allKnown() const { return unknown.empty(); }
};

// Reads every consumer once with the bot's token. `valueSha256` is the journaled lower-case hex
// digest; when it is empty every consumer is reported unknown. Thread-safe as GitLabApi is.
ConsumerHoldings inspectConsumers(gitlab::GitLabApi& gitlab, const std::vector<gitlab::VariableRef>& consumers,
                                  const std::string& valueSha256);

}  // namespace patbot::handlers
