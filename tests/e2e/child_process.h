// ChildProcess: runs one of our executables for an end-to-end test, with its own environment,
// stdout and stderr captured to files. The destructor sends SIGTERM and waits (SIGKILL after 5 s).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace patbot::e2e {

class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until stdout+stderr contain `needle`; returns the text from the needle to the end of
  // its line, or nullopt on timeout or exit.
  std::optional<std::string> waitFor(const std::string& needle, std::chrono::milliseconds timeout);
  std::string output() const;   // stdout then stderr so far
  pid_t pid() const { return pid_; }
  // Waits for exit; returns the exit code (-1 on timeout or signal).
  int wait(std::chrono::milliseconds timeout);
  void terminate();
  // SIGKILL and reap: the process gets no chance to clean up (crash tests).
  void kill9();

 private:
  pid_t pid_ = -1;
  std::string outPath_;
  std::string errPath_;
  bool exited_ = false;
  int exitCode_ = -1;
};

// Runs a command to completion; returns {exit code, stdout+stderr}.
std::pair<int, std::string> runToCompletion(const std::string& program, const std::vector<std::string>& args,
                                            const std::map<std::string, std::string>& env,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A TCP port on 127.0.0.1 that was free a moment ago.
int freePort();

std::string buildDir();    // PATBOT_BUILD_DIR
std::string sourceDir();   // PATBOT_SOURCE_DIR

}  // namespace patbot::e2e
