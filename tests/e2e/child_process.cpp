#include "tests/e2e/child_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace patbot::e2e {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tempPath(const char* tag) {
  std::string pattern = "/tmp/patbot-e2e-" + std::string(tag) + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd >= 0) close(fd);
  return buf.data();
}

// The sanitizer runtimes' settings (scripts/sanitize.sh) reach the children too, so that a
// finding in patbot or a fake lands in the same report directory as one in the test itself.
// One exception: the fake GitLab and Slack servers (tests/fakes) run without LeakSanitizer. They
// stand in for services, and their listener, when torn down at exit, sometimes leaves one 80-byte
// object that libcpprest itself allocated (no frame of ours on the stack, about one run in two of
// the whole suite); no suppression can name it without hiding patbot's own leaks under
// libcpprest frames. AddressSanitizer's other checks stay on in the fakes, and patbot's own
// processes keep the leak check.
void inheritSanitizerOptions(const std::string& program, std::map<std::string, std::string>& env) {
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
    const char* value = std::getenv(name);
    if (value && !env.count(name)) env[name] = value;
  }
  const bool fake = program.find("/tests/fakes/") != std::string::npos;
  if (fake && env.count("ASAN_OPTIONS")) env["ASAN_OPTIONS"] += ":detect_leaks=0";
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  outPath_ = tempPath("out");
  errPath_ = tempPath("err");
  auto fullEnv = env;
  inheritSanitizerOptions(program, fullEnv);
  std::vector<std::string> envStrings;
  for (const auto& [k, v] : fullEnv) envStrings.push_back(k + "=" + v);
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(outPath_.c_str(), O_WRONLY | O_TRUNC);
    int err = open(errPath_.c_str(), O_WRONLY | O_TRUNC);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  terminate();
  unlink(outPath_.c_str());
  unlink(errPath_.c_str());
}

void ChildProcess::terminate() {
  if (pid_ <= 0 || exited_) return;
  kill(pid_, SIGTERM);
  if (wait(std::chrono::seconds(5)) == -1 && !exited_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
  }
}

void ChildProcess::kill9() {
  if (pid_ <= 0 || exited_) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
}

std::string ChildProcess::output() const { return readFile(outPath_) + readFile(errPath_); }

std::optional<std::string> ChildProcess::waitFor(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = output();
    auto pos = text.find(needle);
    if (pos != std::string::npos) {
      auto end = text.find('\n', pos);
      return text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    }
    if (!exited_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    if (exited_) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (exited_) return exitCode_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return exitCode_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::pair<int, std::string> runToCompletion(const std::string& program, const std::vector<std::string>& args,
                                            const std::map<std::string, std::string>& env,
                                            std::chrono::milliseconds timeout) {
  ChildProcess p(program, args, env);
  int code = p.wait(timeout);
  return {code, p.output()};
}

int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string buildDir() {
  const char* d = std::getenv("PATBOT_BUILD_DIR");
  return d && *d ? d : PATBOT_TEST_BUILD_DIR;
}

std::string sourceDir() {
  const char* d = std::getenv("PATBOT_SOURCE_DIR");
  return d && *d ? d : PATBOT_TEST_SOURCE_DIR;
}

}  // namespace patbot::e2e
