#include "bot/config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace patbot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kSigning = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr const char* kGitLabToken = "glpat-Fmnvoj6H8eg7Re8TNztv";
constexpr const char* kBotToken = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";

using testing::TempDir;

class ConfigTest : public ::testing::Test {
 protected:
  EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  void setServeMinimum() {
    env_["SLACK_SIGNING_SECRET"] = kSigning;
    env_["GITLAB_URL"] = "https://gitlab.example.com";
    env_["GITLAB_TOKEN"] = kGitLabToken;
  }
  Result<Config> load(ConfigNeeds needs = ConfigNeeds::kServe) {
    return loadConfig(needs, lookup());
  }
  std::string errorOf(ConfigNeeds needs = ConfigNeeds::kServe) {
    auto r = load(needs);
    EXPECT_FALSE(r);
    if (r) return "";
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_THAT(r.error().message, StartsWith("configuration: "));
    return r.error().message;
  }
  void expectNoSecrets(const Error& e) {
    for (const char* s : {kSigning, kGitLabToken, kBotToken}) {
      EXPECT_THAT(e.message, Not(HasSubstr(s)));
      EXPECT_THAT(e.detail, Not(HasSubstr(s)));
    }
  }
  std::string policyError(const std::string& toml) {
    setServeMinimum();
    env_["PATBOT_CONFIG"] = dir_.write("patbot.toml", toml);
    auto r = load();
    EXPECT_FALSE(r);
    return r ? "" : r.error().message;
  }

  std::map<std::string, std::string> env_;
  TempDir dir_;
};

TEST_F(ConfigTest, DefaultsWithMinimumServeEnvironment) {
  setServeMinimum();
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.listenHost, "127.0.0.1");
  EXPECT_EQ(c.listenPort, 8080);
  EXPECT_EQ(c.slackSigningSecret.reveal(), kSigning);
  EXPECT_TRUE(c.slackBotToken.empty());
  EXPECT_EQ(c.slackApiUrl, "https://slack.com/api");
  EXPECT_EQ(c.notifyChannel, "");
  EXPECT_EQ(c.gitlabUrl, "https://gitlab.example.com");
  EXPECT_EQ(c.gitlabToken.reveal(), kGitLabToken);
  EXPECT_EQ(c.gitlabConcurrency, 8);
  EXPECT_EQ(c.gitlabCaFile, "");
  EXPECT_EQ(c.gitlabGroup, "");
  EXPECT_EQ(c.dbPath, "./patbot.db");
  EXPECT_EQ(c.configPath, "");
  EXPECT_EQ(c.logFormat, "text");
  EXPECT_EQ(c.logLevel, "info");
  EXPECT_EQ(c.policy.access.readers, std::vector<std::string>{"*"});
  EXPECT_TRUE(c.policy.access.operators.empty());
  EXPECT_TRUE(c.policy.access.channels.empty());
  EXPECT_EQ(c.policy.rotation.expiresInDays, 365);
  EXPECT_EQ(c.policy.rotation.revokeGraceHours, 0);
  EXPECT_EQ(c.policy.rotation.verifyTimeoutMinutes, 30);
  EXPECT_EQ(c.policy.watch.intervalMinutes, 360);
  EXPECT_EQ(c.policy.watch.warnDays, (std::vector<int>{30, 14, 7, 3, 1}));
  EXPECT_EQ(c.policy.watch.trackingProject, "");
  EXPECT_EQ(c.policy.watch.autoRotateDaysBefore, 0);
  EXPECT_TRUE(c.policy.tokens.empty());
  EXPECT_EQ(c.policy.expiringWindowDays(), 30);
}

TEST_F(ConfigTest, EveryVariableParsed) {
  const auto ca = dir_.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const auto policy = dir_.write("patbot.toml", "");
  env_ = {
      {"PATBOT_LISTEN", "0.0.0.0:9090"},
      {"SLACK_SIGNING_SECRET", kSigning},
      {"SLACK_BOT_TOKEN", kBotToken},
      {"SLACK_API_URL", "http://127.0.0.1:4000/api/"},
      {"PATBOT_NOTIFY_CHANNEL", "C0123456"},
      {"GITLAB_URL", "https://gitlab.example.com/api/v4/"},
      {"GITLAB_TOKEN", kGitLabToken},
      {"GITLAB_CONCURRENCY", "16"},
      {"GITLAB_CA_FILE", ca},
      {"GITLAB_GROUP", "sec"},
      {"PATBOT_DB", "/var/lib/patbot/patbot.db"},
      {"PATBOT_CONFIG", policy},
      {"PATBOT_LOG_FORMAT", "json"},
      {"PATBOT_LOG_LEVEL", "debug"},
  };
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.listenHost, "0.0.0.0");
  EXPECT_EQ(c.listenPort, 9090);
  EXPECT_EQ(c.slackBotToken.reveal(), kBotToken);
  EXPECT_EQ(c.slackApiUrl, "http://127.0.0.1:4000/api");
  EXPECT_EQ(c.notifyChannel, "C0123456");
  EXPECT_EQ(c.gitlabUrl, "https://gitlab.example.com");
  EXPECT_EQ(c.gitlabConcurrency, 16);
  EXPECT_EQ(c.gitlabCaFile, ca);
  EXPECT_EQ(c.gitlabGroup, "sec");
  EXPECT_EQ(c.dbPath, "/var/lib/patbot/patbot.db");
  EXPECT_EQ(c.configPath, policy);
  EXPECT_EQ(c.logFormat, "json");
  EXPECT_EQ(c.logLevel, "debug");
}

TEST_F(ConfigTest, GitLabUrlNormalised) {
  setServeMinimum();
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"https://gitlab.example.com/", "https://gitlab.example.com"},
           {"https://gitlab.example.com/api/v4", "https://gitlab.example.com"},
           {"http://127.0.0.1:8929/gitlab/api/v4/", "http://127.0.0.1:8929/gitlab"},
           {"https://gitlab.example.com//", "https://gitlab.example.com"}}) {
    env_["GITLAB_URL"] = in;
    auto r = load();
    ASSERT_TRUE(r) << in << ": " << r.error().message;
    EXPECT_EQ(r->gitlabUrl, out) << in;
  }
}

// Plain http:// would carry the GitLab token and the bot token in clear: only loopback may use it.
TEST_F(ConfigTest, PlainHttpOnlyToLoopback) {
  setServeMinimum();
  for (const char* ok : {"http://127.0.0.1:8929", "http://127.9.9.9", "http://localhost:1/api/v4", "http://[::1]:80",
                         "HTTP://LOCALHOST", "https://gitlab.example.com"}) {
    env_["GITLAB_URL"] = ok;
    env_["SLACK_API_URL"] = ok;
    auto r = load();
    EXPECT_TRUE(r) << ok << ": " << (r ? "" : r.error().message);
  }
  for (const char* bad : {"http://gitlab.example.com", "http://10.0.0.5:8080/api/v4", "http://localhost.evil.example",
                          "http://127.0.0.1.nip.io", "http://[::2]:80", "http://0.0.0.0"}) {
    for (const char* name : {"GITLAB_URL", "SLACK_API_URL"}) {
      setServeMinimum();
      env_[name] = bad;
      const auto msg = errorOf();
      EXPECT_THAT(msg, HasSubstr(std::string(name) + " must start with https://")) << bad;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << bad;
    }
  }
}

TEST_F(ConfigTest, ListenVariants) {
  setServeMinimum();
  env_["PATBOT_LISTEN"] = "localhost:1";
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->listenHost, "localhost");
  EXPECT_EQ(r->listenPort, 1);
  env_["PATBOT_LISTEN"] = "127.0.0.1:65535";
  r = load();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->listenPort, 65535);
  for (const char* bad : {"8080", ":8080", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:http", "127.0.0.1:-1", "[::1]:8080", "bad host:80"}) {
    env_["PATBOT_LISTEN"] = bad;
    EXPECT_THAT(errorOf(), HasSubstr("PATBOT_LISTEN must be HOST:PORT")) << bad;
  }
}

TEST_F(ConfigTest, EachMissingVariableNamed) {
  for (const char* missing : {"SLACK_SIGNING_SECRET", "GITLAB_URL", "GITLAB_TOKEN"}) {
    setServeMinimum();
    env_.erase(missing);
    const auto msg = errorOf();
    EXPECT_EQ(msg, std::string("configuration: ") + missing + " is not set");
  }
  // Empty counts as unset.
  setServeMinimum();
  env_["GITLAB_TOKEN"] = "";
  EXPECT_EQ(errorOf(), "configuration: GITLAB_TOKEN is not set");
}

TEST_F(ConfigTest, SeveralMissingNamedTogether) {
  env_["GITLAB_CONCURRENCY"] = "x";
  const auto msg = errorOf();
  EXPECT_EQ(msg,
            "configuration: SLACK_SIGNING_SECRET is not set; GITLAB_URL is not set; "
            "GITLAB_TOKEN is not set; GITLAB_CONCURRENCY must be an integer from 1 to 64 "
            "(got \"x\")");
}

TEST_F(ConfigTest, RequirementsDependOnNeeds) {
  EXPECT_TRUE(load(ConfigNeeds::kLocal));
  auto msg = errorOf(ConfigNeeds::kGitLab);
  EXPECT_THAT(msg, HasSubstr("GITLAB_URL is not set"));
  EXPECT_THAT(msg, HasSubstr("GITLAB_TOKEN is not set"));
  EXPECT_THAT(msg, Not(HasSubstr("SLACK_SIGNING_SECRET")));
  env_["GITLAB_URL"] = "https://g";
  env_["GITLAB_TOKEN"] = kGitLabToken;
  EXPECT_TRUE(load(ConfigNeeds::kGitLab));
  // Set-but-bad values are checked even when not required.
  env_ = {{"GITLAB_URL", "gitlab.example.com"}};
  EXPECT_EQ(errorOf(ConfigNeeds::kLocal),
            "configuration: GITLAB_URL must start with http:// or https://");
}

TEST_F(ConfigTest, SecretsFromFiles) {
  env_["GITLAB_URL"] = "https://gitlab.example.com";
  env_["SLACK_SIGNING_SECRET_FILE"] = dir_.write("signing", std::string(kSigning) + "\n");
  env_["GITLAB_TOKEN_FILE"] = dir_.write("token", std::string(kGitLabToken) + " \r\n");
  env_["SLACK_BOT_TOKEN_FILE"] = dir_.write("bot", kBotToken);
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->slackSigningSecret.reveal(), kSigning);
  EXPECT_EQ(r->gitlabToken.reveal(), kGitLabToken);
  EXPECT_EQ(r->slackBotToken.reveal(), kBotToken);
  EXPECT_TRUE(r->warnings.empty());
}

TEST_F(ConfigTest, LongSecretFileReadWhole) {
  setServeMinimum();
  env_.erase("GITLAB_TOKEN");
  std::string token = "glpat-";
  for (int i = 0; token.size() < 10000; ++i) token += static_cast<char>('a' + i % 26);
  env_["GITLAB_TOKEN_FILE"] = dir_.write("token", token + "\n");
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gitlabToken.reveal(), token);
}

TEST_F(ConfigTest, SecretFileWritableByGroupOrOthersRefused) {
  for (mode_t mode : {0620, 0602, 0666, 0660}) {
    setServeMinimum();
    env_.erase("GITLAB_TOKEN");
    const auto path = dir_.write("token", kGitLabToken);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    env_["GITLAB_TOKEN_FILE"] = path;
    const auto msg = errorOf();
    EXPECT_EQ(msg, fmt::format("configuration: GITLAB_TOKEN_FILE: {} is writable by group or others (mode {:04o}); "
                               "run chmod go-w {} (0400 is best)", path, mode, path));
  }
}

TEST_F(ConfigTest, SecretFileReadableByOthersLoadsWithAWarning) {
  for (mode_t mode : {0644, 0604, 0444}) {
    setServeMinimum();
    env_.erase("SLACK_SIGNING_SECRET");
    const auto path = dir_.write(fmt::format("signing{:o}", mode), kSigning);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    env_["SLACK_SIGNING_SECRET_FILE"] = path;
    auto r = load();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->slackSigningSecret.reveal(), kSigning);
    EXPECT_EQ(r->warnings, std::vector<std::string>{fmt::format(
                               "SLACK_SIGNING_SECRET_FILE: {} is readable by other users (mode {:04o}); chmod 0400 "
                               "it, or 0440 with a group only patbot is in", path, mode)});
  }
  for (mode_t mode : {0400, 0600}) {
    const auto path = dir_.write(fmt::format("signing{:o}", mode), kSigning);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    env_["SLACK_SIGNING_SECRET_FILE"] = path;
    auto r = load();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->warnings.empty()) << fmt::format("mode {:04o}", mode);
  }
}

// Group read is how patbot reads a Kubernetes Secret mounted with defaultMode 0440 and fsGroup:
// no warning for a group patbot is in, a warning for any other.
TEST_F(ConfigTest, GroupReadableSecretFileWarnsOnlyForAForeignGroup) {
  setServeMinimum();
  env_.erase("GITLAB_TOKEN");
  const auto path = dir_.write("token", kGitLabToken);
  ASSERT_EQ(::chmod(path.c_str(), 0440), 0);
  ASSERT_EQ(::chown(path.c_str(), static_cast<uid_t>(-1), ::getegid()), 0);
  env_["GITLAB_TOKEN_FILE"] = path;
  auto own = load();
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_TRUE(own->warnings.empty());

  const gid_t foreign = 65534;   // nogroup; only root may give a file a group it is not in
  if (::getegid() == foreign || ::chown(path.c_str(), static_cast<uid_t>(-1), foreign) != 0) {
    GTEST_SKIP() << "cannot give the file a group this process is not in (not root?)";
  }
  auto other = load();
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_EQ(other->warnings.size(), 1u);
  EXPECT_THAT(other->warnings[0], HasSubstr("GITLAB_TOKEN_FILE: " + path + " is readable by other users (mode 0440)"));
}

// Kubernetes mounts each key as a symbolic link (token -> ..data/token, ..data -> ..<timestamp>):
// the mode that counts is the target's, not the link's 0777.
TEST_F(ConfigTest, SecretFileModeIsTheSymlinkTargets) {
  const auto real = dir_.file("..2026_12_06_00_00_00.1");
  std::filesystem::create_directory(real);
  std::filesystem::create_directory_symlink("..2026_12_06_00_00_00.1", dir_.file("..data"));
  const auto target = dir_.write("..2026_12_06_00_00_00.1/token", kGitLabToken);
  std::filesystem::create_symlink("..data/token", dir_.file("token"));
  setServeMinimum();
  env_.erase("GITLAB_TOKEN");
  env_["GITLAB_TOKEN_FILE"] = dir_.file("token");

  ASSERT_EQ(::chmod(target.c_str(), 0400), 0);
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gitlabToken.reveal(), kGitLabToken);
  EXPECT_TRUE(r->warnings.empty());

  ASSERT_EQ(::chmod(target.c_str(), 0666), 0);
  EXPECT_THAT(errorOf(), HasSubstr("GITLAB_TOKEN_FILE: " + dir_.file("token") +
                                   " is writable by group or others (mode 0666)"));
}

TEST_F(ConfigTest, SecretAndFileBothSet) {
  setServeMinimum();
  env_["SLACK_BOT_TOKEN"] = kBotToken;
  env_["SLACK_BOT_TOKEN_FILE"] = dir_.write("bot", kBotToken);
  env_["GITLAB_TOKEN_FILE"] = dir_.write("token", kGitLabToken);
  auto r = load();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "configuration: set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both; "
            "set GITLAB_TOKEN or GITLAB_TOKEN_FILE, not both");
  expectNoSecrets(r.error());
}

TEST_F(ConfigTest, UnreadableOrEmptySecretFileNamed) {
  setServeMinimum();
  env_.erase("GITLAB_TOKEN");
  const auto missing = dir_.file("no-such-token");
  env_["GITLAB_TOKEN_FILE"] = missing;
  env_.erase("SLACK_SIGNING_SECRET");
  env_["SLACK_SIGNING_SECRET_FILE"] = dir_.write("empty", "\n");
  const auto msg = errorOf();
  EXPECT_THAT(msg, HasSubstr("GITLAB_TOKEN_FILE: cannot read " + missing));
  EXPECT_THAT(msg, HasSubstr("SLACK_SIGNING_SECRET_FILE: "));
  EXPECT_THAT(msg, HasSubstr("is empty"));
  EXPECT_THAT(msg, Not(HasSubstr("is not set")));  // the problem is the file, said once
}

TEST_F(ConfigTest, BadValues) {
  setServeMinimum();
  env_["GITLAB_URL"] = "ftp://gitlab";
  env_["SLACK_API_URL"] = "slack.com/api";
  env_["GITLAB_CONCURRENCY"] = "65";
  env_["PATBOT_LOG_FORMAT"] = "xml";
  env_["PATBOT_LOG_LEVEL"] = "verbose";
  env_["GITLAB_CA_FILE"] = dir_.file("missing.pem");
  const auto msg = errorOf();
  EXPECT_THAT(msg, HasSubstr("GITLAB_URL must start with http:// or https://"));
  EXPECT_THAT(msg, HasSubstr("SLACK_API_URL must start with http:// or https://"));
  EXPECT_THAT(msg, HasSubstr("GITLAB_CONCURRENCY must be an integer from 1 to 64 (got \"65\")"));
  EXPECT_THAT(msg, HasSubstr("PATBOT_LOG_FORMAT must be text or json (got \"xml\")"));
  EXPECT_THAT(msg, HasSubstr("PATBOT_LOG_LEVEL must be one of"));
  EXPECT_THAT(msg, HasSubstr("GITLAB_CA_FILE: cannot read"));
  for (const char* n : {"0", "-3", "1.5", " 8", "eight"}) {
    env_ = {};
    env_["GITLAB_CONCURRENCY"] = n;
    EXPECT_THAT(errorOf(ConfigNeeds::kLocal), HasSubstr("GITLAB_CONCURRENCY must be")) << n;
  }
  env_ = {{"GITLAB_URL", "https://"}};
  EXPECT_THAT(errorOf(ConfigNeeds::kLocal), HasSubstr("GITLAB_URL must name a host"));
  env_ = {{"GITLAB_URL", "https://user:pw@gitlab.example.com"}};
  auto m = errorOf(ConfigNeeds::kLocal);
  EXPECT_THAT(m, HasSubstr("GITLAB_URL must not contain credentials"));
  EXPECT_THAT(m, Not(HasSubstr("pw")));
}

TEST_F(ConfigTest, BotTokenMustBeXoxbAndIsNotEchoed) {
  setServeMinimum();
  const std::string userToken = "xoxp-1234-5678-secretvalue";
  env_["SLACK_BOT_TOKEN"] = userToken;
  const auto msg = errorOf();
  EXPECT_EQ(msg, "configuration: SLACK_BOT_TOKEN must be a bot token starting with xoxb-");
  EXPECT_THAT(msg, Not(HasSubstr("secretvalue")));
}

TEST_F(ConfigTest, SecretNeverInErrorText) {
  setServeMinimum();
  env_["SLACK_BOT_TOKEN"] = kBotToken;
  // Secrets pasted into the wrong variables, plus both-set and other errors at once.
  env_["GITLAB_CONCURRENCY"] = kGitLabToken;
  env_["PATBOT_LOG_LEVEL"] = kSigning;
  env_["PATBOT_LOG_FORMAT"] = kBotToken;
  env_["PATBOT_LISTEN"] = std::string(kSigning) + ":1";
  env_["SLACK_API_URL"] = kSigning;
  env_["GITLAB_TOKEN_FILE"] = dir_.write("tok", kGitLabToken);
  env_["PATBOT_CONFIG"] =
      dir_.write("patbot.toml", std::string("[access]\nreaders = \"") + kSigning + "\n");
  auto r = load();
  ASSERT_FALSE(r);
  expectNoSecrets(r.error());
  EXPECT_THAT(r.error().message, HasSubstr("GITLAB_CONCURRENCY"));
  EXPECT_THAT(r.error().message, HasSubstr("PATBOT_LOG_LEVEL"));
  EXPECT_THAT(r.error().message, HasSubstr("patbot.toml:2"));
}

constexpr const char* kSpecExample = R"(
[access]
readers   = ["*"]          # Slack user IDs who may run status, audit, help ("*" = anyone)
operators = []             # may rotate and revoke; empty = nobody until configured
channels  = []             # channel IDs where /pat is accepted; empty = any

[rotation]
expires_in_days    = 365   # new token lifetime; clamped to the instance maximum
revoke_grace_hours = 0     # delay between a verified delivery and revoking the old token
verify_timeout_minutes = 30

[watch]
interval_minutes = 360
warn_days  = [30, 14, 7, 3, 1]
tracking_project = ""      # project (id or path) where an issue is opened for each expiring token; "" = none
auto_rotate_days_before = 0  # rotate automatically this many days before expiry; 0 = never

[[token]]                  # where one token is consumed: what rotation must update and check
account = "inventory-bot"                                   # service-account username
name    = "GitLab Security Service - Architecture - Inventory"  # token name
ci_variables   = [{ project = "sec/inventory-builder", key = "GITLAB_API_TOKEN" }]
group_variables = [{ group = "sec", key = "INVENTORY_TOKEN" }]
verify_pipeline = { project = "sec/inventory-builder", ref = "main" }
tracking_issue  = { project = "sec/team", iid = 262 }   # optional: comment and close after success
)";

TEST_F(ConfigTest, SpecExamplePolicyParsed) {
  setServeMinimum();
  env_["PATBOT_CONFIG"] = dir_.write("patbot.toml", kSpecExample);
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.policy.access.readers, std::vector<std::string>{"*"});
  EXPECT_TRUE(c.policy.access.operators.empty());
  EXPECT_EQ(c.policy.rotation.expiresInDays, 365);
  EXPECT_EQ(c.policy.rotation.verifyTimeoutMinutes, 30);
  EXPECT_EQ(c.policy.watch.intervalMinutes, 360);
  EXPECT_EQ(c.policy.watch.warnDays, (std::vector<int>{30, 14, 7, 3, 1}));
  ASSERT_EQ(c.policy.tokens.size(), 1u);
  const TokenPolicy& t = c.policy.tokens[0];
  EXPECT_EQ(t.account, "inventory-bot");
  EXPECT_EQ(t.name, "GitLab Security Service - Architecture - Inventory");
  ASSERT_EQ(t.ciVariables.size(), 1u);
  EXPECT_EQ(t.ciVariables[0].project, "sec/inventory-builder");
  EXPECT_EQ(t.ciVariables[0].key, "GITLAB_API_TOKEN");
  EXPECT_EQ(t.ciVariables[0].environmentScope, "");
  ASSERT_EQ(t.groupVariables.size(), 1u);
  EXPECT_EQ(t.groupVariables[0].group, "sec");
  EXPECT_EQ(t.groupVariables[0].key, "INVENTORY_TOKEN");
  ASSERT_TRUE(t.verifyPipeline);
  EXPECT_EQ(t.verifyPipeline->project, "sec/inventory-builder");
  EXPECT_EQ(t.verifyPipeline->ref, "main");
  ASSERT_TRUE(t.trackingIssue);
  EXPECT_EQ(t.trackingIssue->project, "sec/team");
  EXPECT_EQ(t.trackingIssue->iid, 262);
}

TEST_F(ConfigTest, NonDefaultPolicyValues) {
  setServeMinimum();
  env_["PATBOT_CONFIG"] = dir_.write("patbot.toml", R"(
[access]
readers = ["U1", "U2"]
operators = ["U1"]
channels = ["C9"]
[rotation]
expires_in_days = 90
revoke_grace_hours = 24
verify_timeout_minutes = 1440
[watch]
interval_minutes = 1
warn_days = [10]
tracking_project = 77
auto_rotate_days_before = 7
[[token]]
account = "a"
name = "one"
ci_variables = [{ project = 12, key = "K", environment_scope = "production" }]
[[token]]
account = "a"
name = "two"
)");
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy.access.readers, (std::vector<std::string>{"U1", "U2"}));
  EXPECT_EQ(r->policy.access.operators, std::vector<std::string>{"U1"});
  EXPECT_EQ(r->policy.access.channels, std::vector<std::string>{"C9"});
  EXPECT_EQ(r->policy.rotation.expiresInDays, 90);
  EXPECT_EQ(r->policy.rotation.revokeGraceHours, 24);
  EXPECT_EQ(r->policy.rotation.verifyTimeoutMinutes, 1440);
  EXPECT_EQ(r->policy.watch.intervalMinutes, 1);
  EXPECT_EQ(r->policy.watch.warnDays, std::vector<int>{10});
  EXPECT_EQ(r->policy.expiringWindowDays(), 10);
  EXPECT_EQ(r->policy.watch.trackingProject, "77");
  EXPECT_EQ(r->policy.watch.autoRotateDaysBefore, 7);
  ASSERT_EQ(r->policy.tokens.size(), 2u);
  EXPECT_EQ(r->policy.tokens[0].ciVariables[0].project, "12");
  EXPECT_EQ(r->policy.tokens[0].ciVariables[0].environmentScope, "production");
  EXPECT_FALSE(r->policy.tokens[1].verifyPipeline);
  EXPECT_FALSE(r->policy.tokens[1].trackingIssue);
}

TEST_F(ConfigTest, UnknownKeyNamedWithLine) {
  const auto msg = policyError("[access]\noperators = []\n\nreader = [\"U1\"]\n");
  EXPECT_THAT(msg, HasSubstr("patbot.toml:4: unknown key 'reader' in [access]"));
}

TEST_F(ConfigTest, UnknownTablesAndNestedKeys) {
  const auto msg = policyError(R"([acces]
readers = []
[[token]]
account = "a"
name = "n"
colour = "red"
ci_variables = [{ project = "p", key = "K", scope = "x" }]
)");
  EXPECT_THAT(msg, HasSubstr("patbot.toml:1: unknown table 'acces'"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:6: unknown key 'colour' in [[token]]"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:7: unknown key 'scope' in [[token]] ci_variables"));
}

TEST_F(ConfigTest, TomlSyntaxErrorWithLine) {
  const auto msg = policyError("[rotation]\nexpires_in_days = 30\nrevoke_grace_hours = = 1\n");
  EXPECT_THAT(msg, HasSubstr("patbot.toml:3: "));
}

TEST_F(ConfigTest, MissingPolicyFileNamed) {
  setServeMinimum();
  env_["PATBOT_CONFIG"] = dir_.file("nope.toml");
  EXPECT_THAT(errorOf(), HasSubstr("PATBOT_CONFIG: cannot read " + dir_.file("nope.toml")));
}

TEST_F(ConfigTest, UnsortedWarnDays) {
  EXPECT_THAT(
      policyError("[watch]\nwarn_days = [7, 14, 1]\n"),
      HasSubstr("patbot.toml:2: [watch] warn_days must be sorted from largest to smallest"));
  env_.clear();
  EXPECT_THAT(policyError("[watch]\nwarn_days = [7, 7]\n"),
              HasSubstr("must be sorted from largest to smallest"));
  env_.clear();
  EXPECT_THAT(policyError("[watch]\nwarn_days = []\n"), HasSubstr("warn_days must not be empty"));
  env_.clear();
  EXPECT_THAT(policyError("[watch]\nwarn_days = [3, 0]\n"),
              HasSubstr("warn_days must be an array of positive integers"));
}

TEST_F(ConfigTest, PolicyRangesAndTypesCollectedTogether) {
  const auto msg = policyError(R"([rotation]
expires_in_days = 400
revoke_grace_hours = -1
verify_timeout_minutes = 0
[watch]
interval_minutes = 0
auto_rotate_days_before = -2
[access]
readers = "U1"
operators = [1]
[[token]]
name = "n"
verify_pipeline = { project = "p" }
tracking_issue = { project = "p", iid = 0 }
ci_variables = [{ key = "K" }]
)");
  EXPECT_THAT(
      msg, HasSubstr("patbot.toml:2: [rotation] expires_in_days must be an integer from 1 to 365"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:3: [rotation] revoke_grace_hours must be"));
  EXPECT_THAT(
      msg,
      HasSubstr(
          "patbot.toml:4: [rotation] verify_timeout_minutes must be an integer from 1 to 1440"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:6: [watch] interval_minutes must be"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:7: [watch] auto_rotate_days_before must be"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:9: [access] readers must be an array of strings"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:10: [access] operators must be an array of strings"));
  EXPECT_THAT(msg, HasSubstr("[[token]] needs account"));
  EXPECT_THAT(msg, HasSubstr("[[token]] verify_pipeline needs ref"));
  EXPECT_THAT(msg,
              HasSubstr("patbot.toml:14: [[token]] tracking_issue iid must be a positive integer"));
  EXPECT_THAT(msg, HasSubstr("[[token]] ci_variables needs project"));
  EXPECT_THAT(msg, StartsWith("configuration: "));
}

TEST_F(ConfigTest, DuplicateTokenEntry) {
  EXPECT_THAT(policyError("[[token]]\naccount = \"a\"\nname = \"n\"\n[[token]]\naccount = \"a\"\n"
                          "name = \"n\"\n"),
              HasSubstr("[[token]] a / n is listed twice"));
}

// Issue 16: project and group access tokens, their strategies, and watched resources.
TEST_F(ConfigTest, TokenKindsStrategiesAndWatchedResources) {
  setServeMinimum();
  env_["PATBOT_CONFIG"] = dir_.write("patbot.toml", R"(
[watch]
projects = ["sec/app", "sec/app", 42]
groups = ["sec"]
[[token]]
account = "a"
name = "pat"
[[token]]
kind = "project"
project = "sec/app"
name = "deploy"
[[token]]
kind = "group"
group = "platform"
name = "deploy"
strategy = "replace"
[[token]]
kind = "project"
project = "sec/web"
name = "deploy"
strategy = "rotate"
)");
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  const Policy& p = r->policy;
  ASSERT_EQ(p.tokens.size(), 4u);
  EXPECT_EQ(p.tokens[0].kind, TokenKind::kPersonal);
  EXPECT_EQ(p.tokens[1].kind, TokenKind::kProject);
  EXPECT_EQ(p.tokens[1].account, "sec/app");
  EXPECT_FALSE(p.tokens[1].strategy);
  EXPECT_EQ(p.tokens[2].kind, TokenKind::kGroup);
  EXPECT_EQ(p.tokens[2].strategy, RotationStrategy::kReplace);
  // Defaults: replace for personal tokens, rotate for project and group tokens.
  EXPECT_EQ(p.strategyFor(TokenKind::kPersonal, "a", "pat"), RotationStrategy::kReplace);
  EXPECT_EQ(p.strategyFor(TokenKind::kProject, "sec/app", "deploy"), RotationStrategy::kRotate);
  EXPECT_EQ(p.strategyFor(TokenKind::kGroup, "platform", "deploy"), RotationStrategy::kReplace);
  EXPECT_EQ(p.strategyFor(TokenKind::kProject, "sec/web", "deploy"), RotationStrategy::kRotate);
  EXPECT_EQ(p.strategyFor(TokenKind::kGroup, "unlisted", "x"), RotationStrategy::kRotate);
  // A project's entry is not a service account's of the same name, and the other way round.
  EXPECT_EQ(p.tokenFor("sec/app", "deploy"), nullptr);
  EXPECT_EQ(p.tokenFor(TokenKind::kProject, "sec/app", "deploy"), &p.tokens[1]);
  EXPECT_EQ(p.watch.projects, (std::vector<std::string>{"sec/app", "42"}));
  EXPECT_EQ(p.watch.groups, std::vector<std::string>{"sec"});
  std::vector<std::string> watched;
  for (const auto& w : p.watchedResources()) watched.push_back(std::string(tokenKindName(w.kind)) + " " + w.path);
  EXPECT_EQ(watched, (std::vector<std::string>{"project sec/app", "group platform", "project sec/web", "project 42",
                                               "group sec"}));
}

TEST_F(ConfigTest, TokenKindMistakesAreNamedWithTheirLine) {
  const auto msg = policyError(R"([watch]
projects = "sec/app"
groups = [""]
[[token]]
kind = "deploy"
name = "n"
[[token]]
kind = "project"
account = "a"
name = "n"
[[token]]
kind = "group"
name = "n"
strategy = "swap"
[[token]]
kind = "project"
project = "p/q"
name = "n"
[[token]]
kind = "project"
project = "p/q"
name = "n"
[[token]]
account = "p/q"
name = "n"
)");
  EXPECT_THAT(msg, HasSubstr("patbot.toml:2: [watch] projects must be an array of full paths"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:3: [watch] groups must be an array of full paths"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:5: [[token]] kind must be \"personal\", \"project\" or \"group\""));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:9: [[token]] of kind \"project\" names its owner with project, not account"));
  EXPECT_THAT(msg, HasSubstr("[[token]] needs project"));
  EXPECT_THAT(msg, HasSubstr("[[token]] needs group"));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:14: [[token]] strategy must be \"rotate\" or \"replace\""));
  EXPECT_THAT(msg, HasSubstr("[[token]] project p/q / n is listed twice"));
  // A service account named like the project is another owner: not a duplicate.
  EXPECT_THAT(msg, Not(HasSubstr("[[token]] p/q / n is listed twice")));
}

TEST_F(ConfigTest, EnvironmentAndPolicyProblemsTogether) {
  env_["GITLAB_URL"] = "https://g";
  env_["PATBOT_CONFIG"] = dir_.write("patbot.toml", "[watch]\nwarn_days = [1, 2]\n");
  const auto msg = errorOf();
  EXPECT_THAT(msg, HasSubstr("SLACK_SIGNING_SECRET is not set; GITLAB_TOKEN is not set; "));
  EXPECT_THAT(msg, HasSubstr("patbot.toml:2: [watch] warn_days must be sorted"));
}

TEST(ConfigProcessEnv, ReadsTheEnvironment) {
  ::setenv("PATBOT_CONFIG_TEST_VAR", "value", 1);
  auto env = processEnv();
  EXPECT_EQ(env("PATBOT_CONFIG_TEST_VAR"), std::optional<std::string>("value"));
  ::unsetenv("PATBOT_CONFIG_TEST_VAR");
  EXPECT_EQ(env("PATBOT_CONFIG_TEST_VAR"), std::nullopt);
}

// Socket Mode (issue 15): an app token replaces the signing secret for serve.
TEST_F(ConfigTest, AnAppTokenSwitchesServeToSocketModeWithoutASigningSecret) {
  setServeMinimum();
  env_.erase("SLACK_SIGNING_SECRET");
  EXPECT_THAT(errorOf(), HasSubstr("SLACK_SIGNING_SECRET is not set"));
  env_["SLACK_APP_TOKEN"] = "xapp-1-A0PATBOT01-1234-abcdef";
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->socketMode());
  EXPECT_EQ(c->socketConnections, 2);
  EXPECT_EQ(c->slackAppToken.reveal(), "xapp-1-A0PATBOT01-1234-abcdef");

  env_["SLACK_APP_TOKEN"] = kBotToken;   // the wrong kind of token, pasted by mistake
  auto wrong = load();
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("SLACK_APP_TOKEN must be an app-level token starting with xapp-"));
  expectNoSecrets(wrong.error());

  env_["SLACK_APP_TOKEN"] = "xapp-1-A0PATBOT01-1234-abcdef";
  env_["PATBOT_SOCKET_CONNECTIONS"] = "11";
  EXPECT_THAT(errorOf(), HasSubstr("PATBOT_SOCKET_CONNECTIONS"));
  env_["PATBOT_SOCKET_CONNECTIONS"] = "1";
  ASSERT_TRUE(load().ok());
  EXPECT_EQ(load()->socketConnections, 1);
}

TEST_F(ConfigTest, ProxyVariablesAreReadUpperCaseFirstAndCheckedAtStart) {
  setServeMinimum();
  env_["https_proxy"] = "http://lower.corp:3128";
  env_["no_proxy"] = ".corp";
  auto lower = load();
  ASSERT_TRUE(lower.ok()) << lower.error().message;
  EXPECT_EQ(lower->slackProxy.httpsProxy, "http://lower.corp:3128");
  EXPECT_EQ(lower->slackProxy.noProxy, ".corp");
  env_["HTTPS_PROXY"] = "http://upper.corp:3128";
  EXPECT_EQ(load()->slackProxy.httpsProxy, "http://upper.corp:3128");
  env_["HTTPS_PROXY"] = "https://user:secret-pass@proxy.corp:3128";
  std::string message = errorOf();
  EXPECT_THAT(message, HasSubstr("HTTPS_PROXY"));
  EXPECT_THAT(message, Not(HasSubstr("secret-pass")));
}

}  // namespace
}  // namespace patbot
