// The README documents what the code really reads and offers: every environment variable and
// policy key (bot/config_keys.h, checked against loadConfig itself), every `patbot` subcommand
// and option (from the real binary's --help), every `/pat` subcommand and metric family (from a
// running bot), valid example alert rules, a two-command quick start, and relative links that
// resolve inside the repository.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "bot/config.h"
#include "bot/config_keys.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/temp_dir.h"

namespace patbot {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// PATBOT_SOURCE_DIR when the environment has it; else the source tree this test was built from
// (gtest_discover_tests in cmake/PatbotTest.cmake passes only the first ENVIRONMENT entry).
fs::path sourceRoot() {
  const char* fromEnv = std::getenv("PATBOT_SOURCE_DIR");
  return fs::path(fromEnv && *fromEnv ? fromEnv : PATBOT_DOCS_SOURCE_DIR);
}

const std::string& readme() {
  static const std::string text = readFile(sourceRoot() / "README.md");
  return text;
}

bool mentions(const std::string& text, const std::string& word) { return text.find(word) != std::string::npos; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The text of the section that starts with the heading line `heading` (e.g. "## Quick start")
// up to the next heading of the same or a higher level; "" when absent.
std::string section(const std::string& text, const std::string& heading) {
  const size_t level = heading.find(' ');
  std::string out;
  bool in = false;
  bool fenced = false;
  for (const auto& line : lines(text)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (!fenced && line.rfind("#", 0) == 0) {
      size_t l = line.find_first_not_of('#');
      if (in && l <= level && line[l] == ' ') break;
      if (line.rfind(heading, 0) == 0) {
        in = true;
        continue;
      }
    }
    if (in) out += line + "\n";
  }
  return out;
}

struct Fence {
  std::string info;   // what follows the opening ```
  std::vector<std::string> lines;
};

std::vector<Fence> fences(const std::string& text) {
  std::vector<Fence> out;
  bool in = false;
  for (const auto& line : lines(text)) {
    if (line.rfind("```", 0) == 0) {
      if (!in) out.push_back(Fence{line.substr(3), {}});
      in = !in;
      continue;
    }
    if (in) out.back().lines.push_back(line);
  }
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string patbotBinary() { return e2e::buildDir() + "/bot/patbot"; }

// Names listed under "SUBCOMMANDS:" (CLI11's help) and the long options of `help`.
struct HelpText {
  std::vector<std::string> subcommands;
  std::vector<std::string> options;
};

HelpText parseHelp(const std::string& help) {
  HelpText out;
  bool inSubcommands = false;
  static const std::regex kOption(R"((^|[\s,])(--[a-z][a-z0-9-]*))");
  for (const auto& raw : lines(help)) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    std::string upper;
    for (char c : line) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.rfind("SUBCOMMANDS", 0) == 0) {
      inSubcommands = true;
      continue;
    }
    if (raw.rfind("  ", 0) != 0) inSubcommands = false;   // "Examples:", a footer
    if (inSubcommands) {
      if (raw[2] != ' ') out.subcommands.push_back(line.substr(0, line.find_first_of(" \t")));
      continue;   // else a wrapped description
    }
    if (raw.rfind("  ", 0) == 0 && line.rfind("-", 0) == 0) {
      auto head = line.substr(0, line.find("  "));
      for (std::sregex_iterator it(head.begin(), head.end(), kOption), end; it != end; ++it) {
        out.options.push_back((*it)[2]);
      }
    }
  }
  return out;
}

TEST(DocsTest, ReadmeExists) {
  ASSERT_FALSE(readme().empty()) << "cannot read " << (sourceRoot() / "README.md");
}

TEST(DocsTest, EveryEnvironmentVariableIsDocumented) {
  ASSERT_GE(environmentVariables().size(), 17u);
  for (const auto& name : environmentVariables()) {
    EXPECT_TRUE(mentions(readme(), "`" + name + "`")) << name << " is read by loadConfig but not in README.md";
  }
}

// The list in config_keys is exactly what loadConfig asks the environment for.
TEST(DocsTest, EnvironmentListIsWhatLoadConfigReads) {
  std::set<std::string> asked;
  EnvLookup recorder = [&asked](const std::string& name) -> std::optional<std::string> {
    asked.insert(name);
    return std::nullopt;
  };
  for (auto needs : {ConfigNeeds::kServe, ConfigNeeds::kGitLab, ConfigNeeds::kLocal}) {
    (void)loadConfig(needs, recorder);
  }
  std::set<std::string> listed(environmentVariables().begin(), environmentVariables().end());
  EXPECT_EQ(asked, listed);
  for (const auto& secret : secretVariables()) {
    EXPECT_TRUE(listed.count(secret + "_FILE")) << secret;
  }
}

TEST(DocsTest, EveryPolicyKeyIsDocumented) {
  for (const auto& key : policyKeys()) {
    EXPECT_TRUE(mentions(readme(), "`" + key + "`")) << "policy key " << key << " is not in README.md";
  }
}

// Every "table.key" (and "table.key.sub" of inline tables) written in a TOML document.
void collectKeys(const toml::node& node, const std::string& prefix, std::set<std::string>& out) {
  if (auto* t = node.as_table()) {
    for (auto&& [key, value] : *t) {
      std::string name = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
      if (!prefix.empty()) out.insert(name);
      collectKeys(value, name, out);
    }
  } else if (auto* a = node.as_array()) {
    for (const auto& el : *a) {
      if (el.is_table()) collectKeys(el, prefix, out);
    }
  }
}

// The README's policy example uses every key, and loadConfig accepts it as written.
TEST(DocsTest, ReadmePolicyExampleHasEveryKeyAndLoads) {
  const Fence* example = nullptr;
  auto all = fences(readme());
  for (const auto& f : all) {
    std::string body;
    for (const auto& l : f.lines) body += l + "\n";
    if (f.info == "toml" && mentions(body, "[access]") && mentions(body, "[[token]]")) {
      example = &f;
      break;
    }
  }
  ASSERT_NE(example, nullptr) << "README.md has no ```toml block with [access] and [[token]]";
  std::string body;
  for (const auto& l : example->lines) body += l + "\n";

  toml::table root;
  try {
    root = toml::parse(body, std::string_view("README.md"));
  } catch (const toml::parse_error& e) {
    FAIL() << "README policy example does not parse: " << e.description();
  }
  std::set<std::string> written;
  collectKeys(root, "", written);
  std::set<std::string> listed(policyKeys().begin(), policyKeys().end());
  EXPECT_EQ(written, listed);

  patbot::testing::TempDir dir;
  const std::string path = dir.write("policy.toml", body);
  EnvLookup env = [&path](const std::string& name) -> std::optional<std::string> {
    if (name == "PATBOT_CONFIG") return path;
    return std::nullopt;
  };
  auto config = loadConfig(ConfigNeeds::kLocal, env);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->policy.tokens.empty());
}

TEST(DocsTest, EveryPatbotSubcommandAndOptionIsDocumented) {
  auto [code, help] = e2e::runToCompletion(patbotBinary(), {"--help"}, {});
  ASSERT_EQ(code, 0) << help;
  auto top = parseHelp(help);
  ASSERT_GE(top.subcommands.size(), 6u) << help;
  for (const auto& option : top.options) EXPECT_TRUE(mentions(readme(), option)) << "patbot " << option;
  for (const auto& sub : top.subcommands) {
    EXPECT_TRUE(mentions(readme(), "patbot " + sub)) << "`patbot " << sub << "` is not in README.md";
    auto [subCode, subHelp] = e2e::runToCompletion(patbotBinary(), {sub, "--help"}, {});
    ASSERT_EQ(subCode, 0) << subHelp;
    auto inner = parseHelp(subHelp);
    for (const auto& option : inner.options) {
      EXPECT_TRUE(mentions(readme(), option)) << "patbot " << sub << " " << option << " is not in README.md";
    }
    for (const auto& nested : inner.subcommands) {
      EXPECT_TRUE(mentions(readme(), "patbot " + sub + " " + nested))
          << "`patbot " << sub << " " << nested << "` is not in README.md";
    }
  }
}

// The bot names every subcommand it knows when it is given one it does not; /metrics names its
// metric families.
TEST(DocsTest, EverySlashSubcommandAndMetricIsDocumented) {
  e2e::StackOptions options;
  options.gitlabDown = true;
  options.accounts = 1;
  options.tokensPerAccount = 1;
  e2e::E2eStack stack(options);
  ASSERT_TRUE(stack.ready()) << stack.startupLog();
  auto answer = stack.slash("docs-test-no-such-subcommand");
  std::string body = answer.value("body", "");
  auto at = body.find("Available:");
  ASSERT_NE(at, std::string::npos) << answer.dump();
  std::string list = body.substr(at, body.find("Try", at) - at);
  static const std::regex kName("`([a-z][a-z-]*)`");
  std::vector<std::string> names;
  for (std::sregex_iterator it(list.begin(), list.end(), kName), end; it != end; ++it) names.push_back((*it)[1]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"help", "status", "rotate", "revoke", "audit"}));
  for (const auto& name : names) {
    EXPECT_TRUE(mentions(readme(), "/pat " + name)) << "`/pat " << name << "` is not in README.md";
  }

  // And every metric family the running bot exposes is in the metrics table.
  auto metrics = stack.get(stack.botUrl + "/metrics");
  ASSERT_EQ(metrics.status, 200);
  static const std::regex kType("# TYPE (patbot_[a-z_]+) ");
  int families = 0;
  for (std::sregex_iterator it(metrics.body.begin(), metrics.body.end(), kType), end; it != end; ++it, ++families) {
    std::string metric = (*it)[1];
    EXPECT_TRUE(mentions(readme(), "| `" + metric + "` |")) << metric << " is not in the README's metrics table";
  }
  EXPECT_GE(families, 5) << metrics.body;
}

TEST(DocsTest, QuickStartHasExactlyTwoCommands) {
  std::string quick = section(readme(), "## Quick start");
  ASSERT_FALSE(quick.empty()) << "README.md has no '## Quick start' section";
  std::vector<std::string> commands;
  for (const auto& f : fences(quick)) {
    for (const auto& l : f.lines) {
      if (!trim(l).empty()) commands.push_back(trim(l));
    }
  }
  ASSERT_EQ(commands.size(), 2u) << quick;
  EXPECT_EQ(commands[0].rfind("scripts/demo.sh", 0), 0u) << commands[0];
  EXPECT_EQ(commands[1].rfind("scripts/test.sh", 0), 0u) << commands[1];
  for (const char* script : {"scripts/demo.sh", "scripts/test.sh"}) {
    auto perms = fs::status(sourceRoot() / script).permissions();
    EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none) << script << " is missing or not executable";
  }
}

// The README's example alert rules are valid Prometheus rules (when promtool is installed, as
// scripts/setup.sh does for tests) and use only metrics the code declares.
TEST(DocsTest, AlertRulesExampleIsValid) {
  std::string rules;
  for (const auto& f : fences(readme())) {
    if (f.info != "yaml") continue;
    for (const auto& l : f.lines) rules += l + "\n";
    if (mentions(rules, "groups:")) break;
    rules.clear();
  }
  ASSERT_FALSE(rules.empty()) << "README.md has no ```yaml block of alert rules";
  static const std::regex kMetric("patbot_[a-z_]+");
  std::set<std::string> used;
  for (std::sregex_iterator it(rules.begin(), rules.end(), kMetric), end; it != end; ++it) used.insert(it->str());
  EXPECT_FALSE(used.empty());
  for (const auto& metric : used) {
    EXPECT_TRUE(mentions(readme(), "| `" + metric + "` |")) << metric << " is not in the README's metrics table";
  }

  std::string promtool;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && fs::exists(fs::path(dir) / "promtool")) {
      promtool = (fs::path(dir) / "promtool").string();
      break;
    }
  }
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed";
  patbot::testing::TempDir dir;
  auto [code, output] = e2e::runToCompletion(promtool, {"check", "rules", dir.write("rules.yml", rules)}, {});
  EXPECT_EQ(code, 0) << output;
}

// [text](target) links that are not URLs or anchors name files inside the repository.
TEST(DocsTest, RelativeLinksPointAtExistingFiles) {
  static const std::regex kLink(R"(\]\(([^)\s]+)(\s+"[^"]*")?\))");
  const fs::path root = fs::weakly_canonical(sourceRoot());
  int checked = 0;
  const std::string& text = readme();
  for (std::sregex_iterator it(text.begin(), text.end(), kLink), end; it != end; ++it) {
    std::string target = (*it)[1];
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0 || target.rfind("mailto:", 0) == 0 ||
        target.rfind("#", 0) == 0) {
      continue;
    }
    target = target.substr(0, target.find('#'));
    fs::path resolved = fs::weakly_canonical(root / target);
    auto rel = resolved.lexically_relative(root).string();
    EXPECT_FALSE(rel.empty() || rel.rfind("..", 0) == 0) << target << " points outside the repository";
    EXPECT_TRUE(fs::exists(resolved)) << "README.md links to " << target << ", which does not exist";
    ++checked;
  }
  EXPECT_GE(checked, 5) << "README.md should link to the files it talks about";
}

}  // namespace
}  // namespace patbot
