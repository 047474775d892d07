// http/url.h: parseUrl (with hostPort), urlDecode, urlEncode and parseQuery on the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/client.h"
#include "http/url.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::asText(data, size));

  if (auto url = http::parseUrl(text)) {
    fuzz::check(url->scheme == "http" || url->scheme == "https", "a parsed URL is http or https");
    fuzz::check(!url->host.empty() && url->port != 0, "a parsed URL has a host and a port");
    fuzz::check(!url->pathAndQuery.empty() && url->pathAndQuery.front() == '/', "the path starts with '/'");
    fuzz::check(url->pathAndQuery.find('#') == std::string::npos, "the fragment is dropped");
    (void)http::hostPort(*url);
  }

  const std::string plain = http::urlDecode(text);
  const std::string form = http::urlDecode(text, /*plusIsSpace=*/true);
  fuzz::check(plain.size() <= text.size() && form.size() <= text.size(), "decoding never grows the text");
  fuzz::check(http::urlDecode(http::urlEncode(text)) == text, "urlDecode undoes urlEncode");
  fuzz::check(http::urlDecode(http::urlEncode(text), true) == text, "urlEncode leaves no '+' to decode");

  for (const auto& [name, value] : http::parseQuery(text)) {
    fuzz::check(name.size() + value.size() <= text.size(), "parsed pieces come from the text");
  }
  return 0;
}
