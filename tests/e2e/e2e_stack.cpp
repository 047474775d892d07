#include "tests/e2e/e2e_stack.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/time_format.h"
#include "http/client.h"
#include "sim/seeds.h"
#include "tests/e2e/wait_until.h"

namespace patbot::e2e {
namespace {

std::string randomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xff);
  return out;
}

std::optional<std::string> urlFrom(const std::optional<std::string>& line) {
  if (!line) return std::nullopt;
  auto pos = line->find("http://");
  if (pos == std::string::npos) return std::nullopt;
  auto url = line->substr(pos);
  while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
  return url;
}

// The `message` of each record, as JSON, one a line.
std::string joinedText(const std::vector<nlohmann::json>& records) {
  std::string out;
  for (const auto& m : records) out += m["message"].dump() + "\n";
  return out;
}

// The fake Slack's JSON report of a request it sent to patbot; an empty object when unreadable.
nlohmann::json reportOf(const http::ClientResponse& res) {
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

}  // namespace

E2eStack::E2eStack(StackOptions options) {
  client_ = http::makeCpprestTransport();
  dir_ = (std::filesystem::temp_directory_path() / ("patbot-e2e-" + randomHex(6))).string();
  std::filesystem::create_directories(dir_);
  dbPath = options.dbPath.empty() ? dir_ + "/patbot.db" : options.dbPath;

  SystemClock clock;
  seed_ = options.demoSeed ? fakes::demoSeed(utcDay(clock.now()))
                           : fakes::generatedSeed(options.accounts, options.tokensPerAccount, utcDay(clock.now()), false);
  std::string seedPath = dir_ + "/seed.json";
  std::ofstream(seedPath) << seed_.dump();

  std::vector<std::string> gitlabArgs{"--port", "0", "--seed", seedPath};
  gitlabArgs.insert(gitlabArgs.end(), options.gitlabArgs.begin(), options.gitlabArgs.end());
  gitlab_ = std::make_unique<ChildProcess>(buildDir() + "/tests/fakes/fake_gitlab", gitlabArgs,
                                           std::map<std::string, std::string>{});
  auto gl = urlFrom(gitlab_->waitFor("listening on", std::chrono::seconds(20)));
  if (!gl) {
    startupLog_ = "fake_gitlab did not start: " + gitlab_->output();
    return;
  }
  gitlabUrl = *gl;

  int botPort = freePort();
  botUrl = fmt::format("http://127.0.0.1:{}", botPort);
  std::string signingSecret = randomHex(16);
  std::string botToken = "xoxb-e2e-" + randomHex(10);
  std::string appToken = "xapp-1-A0PATBOT01-" + randomHex(10);
  std::map<std::string, std::string> slackEnv{{"FAKE_SLACK_SIGNING_SECRET", signingSecret},
                                              {"FAKE_SLACK_BOT_TOKEN", botToken}};
  if (options.socketMode) slackEnv["FAKE_SLACK_APP_TOKEN"] = appToken;
  slack_ = std::make_unique<ChildProcess>(
      buildDir() + "/tests/fakes/fake_slack", std::vector<std::string>{"--port", "0", "--bot-url", botUrl}, slackEnv);
  auto sl = urlFrom(slack_->waitFor("listening on", std::chrono::seconds(20)));
  if (!sl) {
    startupLog_ = "fake_slack did not start: " + slack_->output();
    return;
  }
  slackUrl = *sl;

  env_ = {{"SLACK_SIGNING_SECRET", signingSecret},
          {"SLACK_BOT_TOKEN", botToken},
          {"SLACK_API_URL", slackUrl + "/api"},
          {"GITLAB_URL", options.gitlabDown ? fmt::format("http://127.0.0.1:{}", freePort()) : gitlabUrl},
          {"GITLAB_TOKEN", fakes::adminTokenOf(seed_)},
          {"PATBOT_DB", dbPath},
          {"PATBOT_LISTEN", fmt::format("127.0.0.1:{}", botPort)},
          {"PATBOT_LOG_LEVEL", "debug"}};
  if (!options.policyToml.empty()) {
    std::ofstream(dir_ + "/policy.toml") << options.policyToml;
    env_["PATBOT_CONFIG"] = dir_ + "/policy.toml";
  }
  if (options.socketMode) {
    env_.erase("SLACK_SIGNING_SECRET");
    env_["SLACK_APP_TOKEN"] = appToken;
  }
  for (const auto& [k, v] : options.extraEnv) env_[k] = v;
  ready_ = options.startBot ? startBot() : true;
}

bool E2eStack::startBot() {
  bot_ = std::make_unique<ChildProcess>(buildDir() + "/bot/patbot", std::vector<std::string>{"serve"}, env_);
  const bool socketMode = env_.count("SLACK_APP_TOKEN") > 0;
  // In Socket Mode the bot is ready for Slack once its connections have said hello.
  const std::string ready = socketMode ? fmt::format("{} of {} open", socketConnections(), socketConnections())
                                       : std::string("listening on");
  if (!bot_->waitFor(ready, std::chrono::seconds(20))) {
    startupLog_ = "patbot serve did not start: " + bot_->output();
    return false;
  }
  return true;
}

int E2eStack::socketConnections() const {
  auto it = env_.find("PATBOT_SOCKET_CONNECTIONS");
  return it == env_.end() ? 2 : std::stoi(it->second);
}

bool E2eStack::restartBot(bool crash) {
  stopBot(crash);
  return startBot();
}

void E2eStack::stopBot(bool crash) {
  if (!bot_) return;
  if (crash) bot_->kill9();
  else bot_->terminate();
  previousBotOutput_ += bot_->output();
  bot_.reset();
}

void E2eStack::setBotEnv(const std::string& name, const std::string& value) {
  if (value.empty()) env_.erase(name);
  else env_[name] = value;
  if (name == "PATBOT_DB") dbPath = value;
}

E2eStack::~E2eStack() {
  bot_.reset();
  slack_.reset();
  gitlab_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

http::ClientResponse E2eStack::get(const std::string& url) {
  http::ClientRequest r;
  r.method = "GET";
  r.url = url;
  r.deadline = std::chrono::seconds(10);
  auto res = client_->send(r);
  return res ? *res : http::ClientResponse{};
}

http::ClientResponse E2eStack::post(const std::string& url, const std::string& body, const http::Headers& headers) {
  http::ClientRequest r;
  r.method = "POST";
  r.url = url;
  r.body = body;
  r.headers = headers;
  r.deadline = std::chrono::seconds(10);
  auto res = client_->send(r);
  return res ? *res : http::ClientResponse{};
}

nlohmann::json E2eStack::slash(const std::string& text, const std::string& user, nlohmann::json extra) {
  nlohmann::json body = {{"text", text}, {"user_id", user}, {"user_name", "tester"}, {"channel_id", "C0PATBOT01"},
                         {"command", "/pat"}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return reportOf(post(slackUrl + "/_fake/slash", body.dump()));
}

nlohmann::json E2eStack::click(const std::string& actionId, const std::string& value, const std::string& user) {
  nlohmann::json body = {{"user_id", user}, {"channel_id", "C0PATBOT01"}, {"action_id", actionId}, {"value", value}};
  return reportOf(post(slackUrl + "/_fake/click", body.dump()));
}

std::vector<nlohmann::json> E2eStack::messagesNow(const std::string& responseUrl) {
  std::vector<nlohmann::json> found;
  auto all = nlohmann::json::parse(get(slackUrl + "/_fake/messages").body, nullptr, false);
  for (const auto& m : all.is_array() ? all : nlohmann::json::array()) {
    if (m.value("response_url", nlohmann::json()) == responseUrl) found.push_back(m);
  }
  return found;
}

std::vector<nlohmann::json> E2eStack::messagesFor(const std::string& responseUrl, size_t minCount,
                                                  std::chrono::seconds timeout) {
  std::vector<nlohmann::json> found;
  waitUntil([&] { return (found = messagesNow(responseUrl)).size() >= minCount; }, timeout,
            std::chrono::milliseconds(50));
  return found;
}

std::string E2eStack::textFor(const std::string& responseUrl, size_t minCount) {
  return joinedText(messagesFor(responseUrl, minCount));
}

std::string E2eStack::waitForText(const std::string& responseUrl, const std::string& needle,
                                  std::chrono::seconds timeout) {
  return waitForAnyText(responseUrl, {needle}, timeout);
}

std::string E2eStack::waitForAnyText(const std::string& responseUrl, const std::vector<std::string>& needles,
                                     std::chrono::seconds timeout) {
  std::string text;
  auto containsANeedle = [&] {
    text = joinedText(messagesNow(responseUrl));
    return std::any_of(needles.begin(), needles.end(),
                       [&](const std::string& needle) { return text.find(needle) != std::string::npos; });
  };
  return waitUntil(containsANeedle, timeout) ? text : "";
}

std::pair<int, std::string> E2eStack::patbot(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& extraEnv) {
  auto env = env_;
  for (const auto& [k, v] : extraEnv) env[k] = v;
  return runToCompletion(buildDir() + "/bot/patbot", args, env);
}

std::vector<std::string> E2eStack::secrets() const {
  std::vector<std::string> out{env_.at("SLACK_BOT_TOKEN"), env_.at("GITLAB_TOKEN")};
  for (const char* name : {"SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}) {
    if (auto it = env_.find(name); it != env_.end()) out.push_back(it->second);
  }
  for (const auto& t : seed_.value("tokens", nlohmann::json::array())) {
    if (t.contains("value") && t["value"].is_string()) out.push_back(t["value"]);
  }
  return out;
}

}  // namespace patbot::e2e
