// The interactivity body (`payload=` + urlencoded JSON) through slack/interaction_payload.
#include <cstddef>
#include <cstdint>

#include "slack/interaction_payload.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto payload = slack::parseInteraction(fuzz::asText(data, size));
  if (payload) {
    fuzz::check(!payload->type.empty(), "a parsed interaction has a type");
  } else {
    fuzz::check(payload.error().kind == ErrorKind::kInvalidInput, "a bad interaction is kInvalidInput");
  }
  return 0;
}
