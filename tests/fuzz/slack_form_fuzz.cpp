// The urlencoded body of a slash command (slack/form_parser, slack/slash_command), checked
// against http/url.h's parseQuery, which documents the same decoding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/url.h"
#include "slack/command_text.h"
#include "slack/form_parser.h"
#include "slack/slash_command.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::asText(data, size);

  const slack::FormFields fields = slack::parseForm(body);
  fuzz::check(fields == http::parseQuery(body), "parseForm and parseQuery decode a body alike");
  (void)slack::isSslCheck(body);

  auto command = slack::parseSlashCommand(body);
  if (command) {
    fuzz::check(!command->userId.empty() && !command->command.empty(),
                "a parsed slash command has user_id and command");
    fuzz::check(command->userId == slack::formValue(fields, "user_id"), "user_id is the first form value");
    fuzz::check(command->text == slack::decodeEntities(slack::formValue(fields, "text")),
                "text is the entity-decoded form value");
  } else {
    fuzz::check(command.error().kind == ErrorKind::kInvalidInput, "a bad slash command is kInvalidInput");
  }
  return 0;
}
