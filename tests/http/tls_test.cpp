// The client transport against `openssl s_server` with a throwaway CA: TLS is always verified,
// and extraCaFile adds trust without turning verification off.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "http/client.h"
#include "tests/http/test_sockets.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace patbot::http {
namespace {

using namespace std::chrono_literals;

bool haveOpenssl() { return std::system("openssl version >/dev/null 2>&1") == 0; }

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "the openssl binary is not installed";
    makeCertificates();
    startServer();
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  std::string path(const std::string& name) const { return dir_.file(name); }

  void run(const std::string& command) {
    std::string full = "cd '" + dir_.path().string() + "' && " + command + " >>openssl.log 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << command << "\n" << readFile(path("openssl.log"));
  }

  static std::string readFile(const std::string& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  void makeCertificates() {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem"
        " -days 2 -subj '/CN=patbot test CA' -addext 'basicConstraints=critical,CA:TRUE'"
        " -addext 'keyUsage=critical,keyCertSign,cRLSign'");
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr"
        " -subj '/CN=127.0.0.1'");
    {
      std::ofstream ext(path("server.ext"));
      ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
             "basicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=serverAuth\n";
    }
    run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
        " -extfile server.ext");
  }

  void startServer() {
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = testing::unusedLoopbackPort();
      ASSERT_NE(port_, 0);
      std::string accept = "127.0.0.1:" + std::to_string(port_);
      std::string cert = path("server.pem");
      std::string key = path("server.key");
      std::vector<std::string> args = {"openssl", "s_server", "-accept", accept, "-cert", cert,
                                       "-key",    key,        "-www",    "-quiet"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      std::string log = path("s_server.log");
      posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
      pid_t pid = 0;
      int rc = posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      ASSERT_EQ(rc, 0);
      if (testing::waitForListening(port_, 10s)) {
        pid_ = pid;
      } else {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
      }
    }
    ASSERT_GT(pid_, 0) << readFile(path("s_server.log"));
  }

  ClientRequest request() const {
    ClientRequest r;
    r.url = "https://127.0.0.1:" + std::to_string(port_) + "/";
    r.deadline = 15s;
    return r;
  }

  patbot::testing::TempDir dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(HttpTlsTest, UnknownCaIsRejected) {
  auto transport = makeCpprestTransport();
  auto result = transport->send(request());
  ASSERT_FALSE(result.ok()) << "status " << result->status;
  EXPECT_EQ(result.error().kind, ErrorKind::kUnavailable) << result.error().detail;
  EXPECT_NE(result.error().message.find("TLS"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos) << result.error().message;
}

TEST_F(HttpTlsTest, ExtraCaFileIsTrusted) {
  ClientOptions options;
  options.extraCaFile = path("ca.pem");
  auto transport = makeCpprestTransport(options);
  auto result = transport->send(request());
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->status, 200);
  EXPECT_FALSE(result->body.empty());
}

TEST_F(HttpTlsTest, ExtraCaDoesNotDisableHostnameChecks) {
  ClientOptions options;
  options.extraCaFile = path("ca.pem");
  auto transport = makeCpprestTransport(options);
  ClientRequest r = request();
  // cpprest checks the certificate against the Host header's name when one is given; the
  // certificate names only 127.0.0.1 and localhost.
  r.headers["Host"] = "wrong.example";
  auto result = transport->send(r);
  ASSERT_FALSE(result.ok()) << "status " << result->status;
  EXPECT_EQ(result.error().kind, ErrorKind::kUnavailable) << result.error().detail;
}

}  // namespace
}  // namespace patbot::http
