#include "tests/support/simulated_gitlab.h"

#include <utility>

#include "sim/seeds.h"

namespace patbot::testing {
namespace {

using nlohmann::json;

gitlab::RestGitLabOptions clientOptions(const json& seed, FakeClock& clock, const SimulatedGitLab::Adjust& adjust) {
  gitlab::RestGitLabOptions o;
  o.baseUrl = "http://gitlab.test";
  o.token = Secret(fakes::adminTokenOf(seed));
  o.clock = &clock;
  if (adjust) adjust(o, seed);
  return o;
}

}  // namespace

SimulatedGitLab::SimulatedGitLab(FakeClock& clock, json seed, const Adjust& adjust)
    : seed_(std::move(seed)),
      clock_(clock),
      fake_(seed_, clock, &clock),
      transport_(fake_),
      api_(transport_, clientOptions(seed_, clock, adjust)) {}

std::unique_ptr<gitlab::RestGitLabApi> SimulatedGitLab::newClient(const Adjust& adjust) {
  return std::make_unique<gitlab::RestGitLabApi>(transport_, clientOptions(seed_, clock_, adjust));
}

json SimulatedGitLab::token(int64_t id) const {
  const json state = fake_.state();
  for (const auto& t : state["tokens"]) {
    if (t["id"] == id) return t;
  }
  return nullptr;
}

int SimulatedGitLab::activeTokensNamed(const std::string& name) const {
  const json state = fake_.state();
  int n = 0;
  for (const auto& t : state["tokens"]) n += t["name"] == name && !t["revoked"].get<bool>();
  return n;
}

std::string SimulatedGitLab::variableValue(const std::string& key) const {
  const json state = fake_.state();
  for (const char* owners : {"projects", "groups"}) {
    for (const auto& owner : state[owners]) {
      for (const auto& v : owner["variables"]) {
        if (v["key"] == key) return v["value"];
      }
    }
  }
  return "";
}

json SimulatedGitLab::issue(const std::string& projectPath, int64_t iid) const {
  const json state = fake_.state();
  for (const auto& p : state["projects"]) {
    if (p["path"] != projectPath) continue;
    for (const auto& i : p["issues"]) {
      if (i["iid"] == iid) return i;
    }
  }
  return nullptr;
}

int SimulatedGitLab::calls(const std::string& method, const std::string& pathPart) {
  http::Request r;
  r.method = "GET";
  r.path = "/_fake/calls";
  int n = 0;
  for (const auto& c : json::parse(fake_.handle(r).body)) {
    n += c["method"] == method && c["path"].get<std::string>().find(pathPart) != std::string::npos;
  }
  return n;
}

}  // namespace patbot::testing
