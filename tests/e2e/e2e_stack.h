// E2eStack: the real `patbot serve` binary between the fake GitLab and fake Slack executables,
// all on loopback, for one test. Secrets are random per stack; the seed is generated.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_types.h"
#include "tests/e2e/child_process.h"

namespace patbot::e2e {

struct StackOptions {
  int accounts = 25;
  int tokensPerAccount = 5;
  bool gitlabDown = false;       // point patbot at a closed port instead of the fake
  bool demoSeed = false;         // fakes::demoSeed (projects, variables, pipelines, issues) instead of a generated one
  std::string policyToml;        // written to a file named by PATBOT_CONFIG when not empty
  std::map<std::string, std::string> extraEnv;
  std::vector<std::string> gitlabArgs;   // extra fake_gitlab arguments, e.g. "--drop-proxy"
  std::string dbPath;            // PATBOT_DB; "" = patbot.db in the stack's own temp directory
  bool startBot = true;          // false: only the fakes; start patbot later with restartBot(false)
  // Socket Mode: the fake Slack gets an app token and delivers /_fake/slash and /_fake/click as
  // envelopes over patbot's WebSockets; patbot gets SLACK_APP_TOKEN and no signing secret, and
  // startBot() waits until its connections are open.
  bool socketMode = false;
};

// A world of 3 service accounts with 2 tokens each: little for patbot to scan.
inline StackOptions smallWorld() {
  StackOptions o;
  o.accounts = 3;
  o.tokensPerAccount = 2;
  return o;
}

class E2eStack {
 public:
  explicit E2eStack(StackOptions options = {});
  ~E2eStack();

  bool ready() const { return ready_; }
  std::string startupLog() const { return startupLog_; }

  http::ClientResponse get(const std::string& url);
  http::ClientResponse post(const std::string& url, const std::string& body,
                            const http::Headers& headers = {{"content-type", "application/json"}});

  // Sends `/pat <text>` through the fake Slack; returns its JSON report (status, body, response_url...).
  nlohmann::json slash(const std::string& text, const std::string& user = "U0ALICE001",
                       nlohmann::json extra = nlohmann::json::object());
  // Clicks the button `actionId` with `value` through the fake Slack; returns its JSON report, like
  // slash().
  nlohmann::json click(const std::string& actionId, const std::string& value, const std::string& user = "U0ALICE001");
  // Waits until `minCount` messages arrived for that response_url; returns them (in order).
  std::vector<nlohmann::json> messagesFor(const std::string& responseUrl, size_t minCount,
                                          std::chrono::seconds timeout = std::chrono::seconds(30));
  // Waits until the messages for that response_url contain `needle`; returns them all as text
  // ("" on timeout).
  std::string waitForText(const std::string& responseUrl, const std::string& needle,
                          std::chrono::seconds timeout = std::chrono::seconds(60));
  // Same, until they contain any one of `needles`.
  std::string waitForAnyText(const std::string& responseUrl, const std::vector<std::string>& needles,
                             std::chrono::seconds timeout = std::chrono::seconds(60));
  // All message texts (fallback text plus every block's text) for that response_url, joined.
  std::string textFor(const std::string& responseUrl, size_t minCount = 1);

  // Runs `patbot <args>` against this stack's configuration and database.
  std::pair<int, std::string> patbot(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& extraEnv = {});

  const nlohmann::json& seed() const { return seed_; }
  std::map<std::string, std::string> env() const { return env_; }
  std::vector<std::string> secrets() const;   // every secret value the stack knows
  std::string botUrl, gitlabUrl, slackUrl, dbPath;
  ChildProcess* bot() { return bot_.get(); }
  // Stops `patbot serve` (SIGKILL when `crash`, else SIGTERM) and starts a new one with the same
  // environment, port and database. False (with startupLog()) when it did not come back.
  bool restartBot(bool crash);
  // Output of every earlier bot process of this stack (restartBot keeps it).
  std::string previousBotOutput() const { return previousBotOutput_; }
  void clearPreviousBotOutput() { previousBotOutput_.clear(); }
  // Starts `patbot serve` with the current environment (startBot = false, or after stopBot).
  bool startBot();
  // Socket Mode connections patbot keeps (PATBOT_SOCKET_CONNECTIONS, default 2).
  int socketConnections() const;
  // Stops `patbot serve` (SIGKILL when `crash`, else SIGTERM) and keeps its output; no-op if none.
  void stopBot(bool crash);
  // Sets (or, with an empty value, removes) one variable of patbot's environment for the next
  // start and for patbot() runs.
  void setBotEnv(const std::string& name, const std::string& value);
  const std::string& dir() const { return dir_; }

 private:
  // The messages for that response_url so far (GET /_fake/messages of the fake Slack).
  std::vector<nlohmann::json> messagesNow(const std::string& responseUrl);

  nlohmann::json seed_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<http::Transport> client_;
  std::unique_ptr<ChildProcess> gitlab_, slack_, bot_;
  std::string dir_;
  bool ready_ = false;
  std::string startupLog_;
  std::string previousBotOutput_;
};

}  // namespace patbot::e2e
