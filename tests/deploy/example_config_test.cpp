// deploy/patbot.example.toml and deploy/patbot.env.example load with the bot's own loader, hold
// the defaults of SPEC §2 and name every policy key the loader reads (bot/config_keys.h: SPEC §2's
// keys and environment_scope) and every variable SPEC §2 lists.
#include "bot/config.h"
#include "bot/config_keys.h"

#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "tests/support/temp_dir.h"

namespace patbot {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The variables of SPEC §2 that are not secrets.
const std::vector<std::string> kSpecPlainVariables{
    "PATBOT_LISTEN", "SLACK_API_URL",  "PATBOT_NOTIFY_CHANNEL", "GITLAB_URL",
    "GITLAB_CONCURRENCY", "GITLAB_CA_FILE", "GITLAB_GROUP", "PATBOT_DB",
    "PATBOT_CONFIG", "PATBOT_LOG_FORMAT", "PATBOT_LOG_LEVEL",
};

// PATBOT_SOURCE_DIR when set, else the source tree this test was built from
// (patbot_add_test passes only the first of its two environment variables to ctest).
std::filesystem::path sourceDir() {
  const char* dir = std::getenv("PATBOT_SOURCE_DIR");
  if (dir && *dir) return dir;
  return PATBOT_DEPLOY_SOURCE_DIR;
}

std::string exampleToml() { return (sourceDir() / "deploy" / "patbot.example.toml").string(); }

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

EnvLookup lookupIn(const std::map<std::string, std::string>& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// "VAR=value" lines of an environment file; comments and blank lines skipped.
std::map<std::string, std::string> parseEnvFile(const std::string& text) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) throw std::runtime_error("not VAR=value: " + line);
    vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return vars;
}

// Adds every "prefix.key" path under `node` to `out` (arrays of tables merge their keys).
void collectKeys(const toml::node& node, const std::string& prefix, std::set<std::string>& out) {
  if (auto* t = node.as_table()) {
    for (auto&& [key, child] : *t) {
      std::string path = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
      out.insert(path);
      collectKeys(child, path, out);
    }
  } else if (auto* a = node.as_array()) {
    for (const auto& el : *a) {
      if (el.is_table()) collectKeys(el, prefix, out);
    }
  }
}

using testing::TempDir;

TEST(DeployExampleConfig, LoadsWithTheBotsLoader) {
  auto config = loadConfig(ConfigNeeds::kLocal, lookupIn({{"PATBOT_CONFIG", exampleToml()}}));
  ASSERT_TRUE(config.ok()) << config.error().message;

  ASSERT_EQ(config->policy.tokens.size(), 4u);
  EXPECT_EQ(config->policy.tokens[2].kind, TokenKind::kProject);
  EXPECT_EQ(config->policy.tokens[2].account, "sec/app");
  EXPECT_EQ(config->policy.tokens[3].kind, TokenKind::kGroup);
  EXPECT_EQ(config->policy.strategyFor(TokenKind::kProject, "sec/app", "deploy-token"), RotationStrategy::kRotate);
  const TokenPolicy& inventory = config->policy.tokens[0];
  EXPECT_EQ(inventory.account, "inventory-bot");
  EXPECT_EQ(inventory.name, "GitLab Security Service - Architecture - Inventory");
  ASSERT_EQ(inventory.ciVariables.size(), 2u);
  EXPECT_EQ(inventory.ciVariables[0].project, "sec/inventory-builder");
  EXPECT_EQ(inventory.ciVariables[0].key, "GITLAB_API_TOKEN");
  EXPECT_EQ(inventory.ciVariables[0].environmentScope, "");
  EXPECT_EQ(inventory.ciVariables[1].environmentScope, "production");
  ASSERT_EQ(inventory.groupVariables.size(), 1u);
  EXPECT_EQ(inventory.groupVariables[0].group, "sec");
  EXPECT_EQ(inventory.groupVariables[0].key, "INVENTORY_TOKEN");
  ASSERT_TRUE(inventory.verifyPipeline.has_value());
  EXPECT_EQ(inventory.verifyPipeline->project, "sec/inventory-builder");
  EXPECT_EQ(inventory.verifyPipeline->ref, "main");
  ASSERT_TRUE(inventory.trackingIssue.has_value());
  EXPECT_EQ(inventory.trackingIssue->project, "sec/team");
  EXPECT_EQ(inventory.trackingIssue->iid, 262);

  const TokenPolicy& release = config->policy.tokens[1];
  EXPECT_EQ(release.account, "release-bot");
  EXPECT_THAT(release.ciVariables, IsEmpty());
  ASSERT_EQ(release.groupVariables.size(), 1u);
  EXPECT_EQ(release.groupVariables[0].group, "platform/releases");
  EXPECT_EQ(release.groupVariables[0].environmentScope, "production");
  EXPECT_FALSE(release.verifyPipeline.has_value());
  EXPECT_FALSE(release.trackingIssue.has_value());
}

// The example documents the defaults: loading it changes no policy value.
TEST(DeployExampleConfig, ShowsTheDefaults) {
  auto config = loadConfig(ConfigNeeds::kLocal, lookupIn({{"PATBOT_CONFIG", exampleToml()}}));
  ASSERT_TRUE(config.ok()) << config.error().message;
  const Config defaults;
  EXPECT_EQ(config->policy.access.readers, defaults.policy.access.readers);
  EXPECT_EQ(config->policy.access.operators, defaults.policy.access.operators);
  EXPECT_EQ(config->policy.access.channels, defaults.policy.access.channels);
  EXPECT_EQ(config->policy.rotation.expiresInDays, defaults.policy.rotation.expiresInDays);
  EXPECT_EQ(config->policy.rotation.revokeGraceHours, defaults.policy.rotation.revokeGraceHours);
  EXPECT_EQ(config->policy.rotation.verifyTimeoutMinutes, defaults.policy.rotation.verifyTimeoutMinutes);
  EXPECT_EQ(config->policy.watch.intervalMinutes, defaults.policy.watch.intervalMinutes);
  EXPECT_EQ(config->policy.watch.warnDays, defaults.policy.watch.warnDays);
  EXPECT_EQ(config->policy.watch.trackingProject, defaults.policy.watch.trackingProject);
  EXPECT_EQ(config->policy.watch.autoRotateDaysBefore, defaults.policy.watch.autoRotateDaysBefore);
  EXPECT_THAT(config->policy.access.readers, ElementsAre("*"));
  EXPECT_THAT(config->policy.watch.warnDays, ElementsAre(30, 14, 7, 3, 1));
}

TEST(DeployExampleConfig, NamesEveryPolicyKeyOfTheSpec) {
  toml::table root = toml::parse(readFile(exampleToml()), exampleToml());
  std::set<std::string> present;
  collectKeys(root, "", present);
  for (const auto& key : policyKeys()) EXPECT_TRUE(present.count(key)) << "missing key " << key;
}

// Every key is explained at least once: a comment on its line or on the line above it.
TEST(DeployExampleConfig, CommentsEveryKey) {
  std::istringstream in(readFile(exampleToml()));
  std::string previous;
  std::map<std::string, bool> commented;  // key -> explained somewhere
  for (std::string line; std::getline(in, line); previous = line) {
    if (line.empty() || !std::isalpha(static_cast<unsigned char>(line[0]))) continue;
    std::string key = line.substr(0, line.find_first_of(" ="));
    bool here = line.find('#') != std::string::npos || (!previous.empty() && previous[0] == '#');
    commented[key] = commented[key] || here;
  }
  EXPECT_GE(commented.size(), 16u);
  for (const auto& [key, ok] : commented) EXPECT_TRUE(ok) << "no comment explains " << key;
}

TEST(DeployExampleConfig, RejectsAMisspelledKey) {
  TempDir dir;
  std::string text = readFile(exampleToml());
  auto at = text.find("revoke_grace_hours");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 18, "revoke_grace_hour");
  auto path = dir.write("typo.toml", text);
  auto config = loadConfig(ConfigNeeds::kLocal, lookupIn({{"PATBOT_CONFIG", path}}));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("revoke_grace_hour"), std::string::npos) << config.error().message;
}

// patbot.env.example with the three secrets as files (as the systemd unit passes them) is enough
// for `patbot serve`, and names every variable of SPEC §2 but the secrets.
TEST(DeployEnvExample, LoadsForServeWithSecretFiles) {
  auto vars = parseEnvFile(readFile(sourceDir() / "deploy" / "patbot.env.example"));
  for (const auto& name : kSpecPlainVariables) EXPECT_TRUE(vars.count(name)) << "missing " << name;
  for (const auto& name : secretVariables()) {
    EXPECT_FALSE(vars.count(name)) << name << " must come from a credential file";
    EXPECT_FALSE(vars.count(name + "_FILE")) << name << "_FILE is set by the unit";
  }

  TempDir dir;
  vars["PATBOT_CONFIG"] = exampleToml();
  vars["SLACK_SIGNING_SECRET_FILE"] = dir.write("slack-signing-secret", "test-signing-secret-0000\n");
  vars["SLACK_BOT_TOKEN_FILE"] = dir.write("slack-bot-token", "xoxb-test-placeholder\n");
  vars["GITLAB_TOKEN_FILE"] = dir.write("gitlab-token", "test-gitlab-token-0000\n");
  auto config = loadConfig(ConfigNeeds::kServe, lookupIn(vars));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->listenHost, "127.0.0.1");
  EXPECT_EQ(config->listenPort, 8080);
  EXPECT_EQ(config->dbPath, "/var/lib/patbot/patbot.db");
  EXPECT_EQ(config->gitlabUrl, "https://gitlab.example.com");
  EXPECT_EQ(config->gitlabGroup, "");
  EXPECT_EQ(config->logFormat, "json");
  EXPECT_EQ(config->policy.tokens.size(), 4u);
}

}  // namespace
}  // namespace patbot
