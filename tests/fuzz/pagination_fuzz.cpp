// GitLab pagination as RestGitLabApi follows it (the X-Next-Page header, gitlab/rest_gitlab_api.cpp;
// patbot reads no Link header). The input is a script of pages, two lines each: the X-Next-Page
// value ("-..." = no header) and the page's JSON body. Once the script is used up every request
// gets an empty page. Lists service accounts (instance mode), then one account's tokens (group
// mode) from the same script.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gitlab/rest_gitlab_api.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;
using namespace patbot::gitlab;

namespace {

// Answers from the script, in order; records the page number each request asked for.
class ScriptTransport final : public http::Transport {
 public:
  explicit ScriptTransport(std::string_view script) : script_(script) {}

  Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    pages_.push_back(pageOf(request.url));
    http::ClientResponse response;
    response.status = 200;
    response.headers["content-type"] = "application/json";
    const auto parts = fuzz::splitLines(script_, 3);
    if (script_.empty() || parts.size() < 2) {
      response.body = "[]";
      script_ = {};
      return response;
    }
    if (parts[0].empty() || parts[0][0] != '-') response.headers["x-next-page"] = std::string(parts[0]);
    response.body = std::string(parts[1]);
    script_ = parts.size() == 3 ? parts[2] : std::string_view{};
    return response;
  }

  const std::vector<long> pages() const { return pages_; }

 private:
  static long pageOf(const std::string& url) {
    auto at = url.rfind("&page=");
    fuzz::check(at != std::string::npos, "every list request names its page");
    return std::stol(url.substr(at + 6));
  }

  std::string_view script_;
  std::vector<long> pages_;
};

RestGitLabOptions options(Mode mode) {
  RestGitLabOptions o;
  o.baseUrl = "https://gitlab.example.com";
  o.token = Secret("fuzz-token-not-a-secret");
  o.mode = mode;
  o.group = "sec";
  o.concurrency = 1;
  o.maxAttempts = 1;
  // Virtual time: no wait or deadline depends on how fast the fuzzer runs. (Every answer is a
  // 200, so nothing sleeps and the clock records nothing.)
  static const FakeClock clock{TimePoint{}};
  o.clock = &clock;
  return o;
}

void checkPages(const ScriptTransport& transport) {
  const auto pages = transport.pages();
  fuzz::check(!pages.empty() && pages.front() == 1, "listing starts at page 1");
  for (size_t i = 1; i < pages.size(); ++i) {
    fuzz::check(pages[i] > pages[i - 1], "pages are requested in increasing order, never again");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view script = fuzz::asText(data, size);
  {
    ScriptTransport transport(script);
    RestGitLabApi api(transport, options(Mode::kInstance));
    auto accounts = api.listServiceAccounts();
    checkPages(transport);
    if (accounts) {
      for (size_t i = 1; i < accounts->size(); ++i) {
        fuzz::check((*accounts)[i - 1].id < (*accounts)[i].id, "accounts come sorted by id, once each");
      }
    }
  }
  {
    ScriptTransport transport(script);
    RestGitLabApi api(transport, options(Mode::kGroup));
    auto tokens = api.listTokens(TokenOwner{7, "inventory-bot", "Inventory"});
    checkPages(transport);
    if (tokens) {
      for (size_t i = 1; i < tokens->size(); ++i) {
        fuzz::check((*tokens)[i - 1].id < (*tokens)[i].id, "tokens come sorted by id, once each");
      }
    }
  }
  return 0;
}
