// wss:// against `openssl s_server -www` with a throwaway CA: the peer is always verified (system
// store plus extraCaFile) and its certificate must name the URL's host. s_server speaks HTTP, not
// WebSocket, so a trusted handshake shows as the upgrade being refused with HTTP 200.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "http/websocket_client.h"
#include "tests/http/test_sockets.h"

extern char** environ;

namespace patbot::http {
namespace {

using namespace std::chrono_literals;

bool haveOpenssl() { return std::system("openssl version >/dev/null 2>&1") == 0; }

class WebSocketTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "the openssl binary is not installed";
    char pattern[] = "/tmp/patbot-wss-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    // The server certificate names localhost only (no IP), so 127.0.0.1 is the wrong name.
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem"
        " -days 2 -subj '/CN=patbot wss test CA' -addext 'basicConstraints=critical,CA:TRUE'"
        " -addext 'keyUsage=critical,keyCertSign,cRLSign'");
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr"
        " -subj '/CN=localhost'");
    std::ofstream(path("server.ext")) << "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                         "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n";
    run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
        " -extfile server.ext");
    startServer();
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  void run(const std::string& command) {
    std::string full = "cd '" + dir_ + "' && " + command + " >>openssl.log 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << command;
  }

  void startServer() {
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = testing::unusedLoopbackPort();
      std::vector<std::string> args = {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_),
                                       "-cert",   path("server.pem"), "-key", path("server.key"), "-www", "-quiet"};
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
    ASSERT_GT(pid_, 0);
  }

  std::string url(const std::string& host) const {
    return "wss://" + host + ":" + std::to_string(port_) + "/link/?ticket=secret123";
  }

  WebSocketOptions options(bool trustTestCa) const {
    WebSocketOptions o;
    o.connectTimeout = 5s;
    if (trustTestCa) o.extraCaFile = path("ca.pem");
    return o;
  }

  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(WebSocketTlsTest, UnknownCaIsRejected) {
  auto socket = connectWebSocket(url("localhost"), options(false));
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(socket.error().message.find("could not set up a trusted TLS connection to localhost"), std::string::npos)
      << socket.error().message;
  EXPECT_EQ(socket.error().detail.find("secret123"), std::string::npos);
}

TEST_F(WebSocketTlsTest, ExtraCaFileIsTrusted) {
  auto socket = connectWebSocket(url("localhost"), options(true));
  ASSERT_FALSE(socket.ok()) << "s_server cannot upgrade";
  EXPECT_EQ(socket.error().httpStatus, 200) << socket.error().message << " / " << socket.error().detail;
  EXPECT_NE(socket.error().message.find("answered the WebSocket upgrade with HTTP 200"), std::string::npos)
      << socket.error().message;
}

TEST_F(WebSocketTlsTest, CertificateMustNameTheHost) {
  auto socket = connectWebSocket(url("127.0.0.1"), options(true));
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().httpStatus, 0) << "the handshake passed with a certificate for another name";
  EXPECT_NE(socket.error().message.find("could not set up a trusted TLS connection to 127.0.0.1"), std::string::npos)
      << socket.error().message;
}

TEST_F(WebSocketTlsTest, UnreadableCaFileIsAConfigError) {
  WebSocketOptions o = options(false);
  o.extraCaFile = path("missing.pem");
  auto socket = connectWebSocket(url("localhost"), o);
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().kind, ErrorKind::kConfig);
}

}  // namespace
}  // namespace patbot::http
