// The text after "/pat": slack/command_text splitArguments, handlers/pat_rotate_handler
// parseRotateArgs, and handlers/token_resolver resolveToken against a small fixed inventory.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include "gitlab/gitlab_types.h"
#include "handlers/pat_rotate_handler.h"
#include "handlers/token_naming.h"
#include "handlers/token_resolver.h"
#include "slack/command_text.h"
#include "tests/fuzz/fuzz_input.h"

using namespace patbot;

namespace {

gitlab::AccessToken token(int64_t id, std::string name, bool revoked = false) {
  gitlab::AccessToken t;
  t.id = id;
  t.name = std::move(name);
  t.revoked = revoked;
  t.active = !revoked;
  t.scopes = {"api"};
  return t;
}

const gitlab::Inventory& inventory() {
  static const gitlab::Inventory kInventory = [] {
    gitlab::Inventory inv;
    inv.accounts.push_back({{1, "inventory-bot", "Inventory"},
                            {token(10, "GitLab Security Service - Architecture - Inventory"),
                             token(11, "registry", true), token(12, "a/b c"), token(13, "dup"),
                             token(14, "dup")}});
    inv.accounts.push_back({{2, "deploy-bot", "Deploy"}, {token(20, "registry"), token(21, "")}});
    inv.accounts.push_back({{3, "empty-bot", "Empty"}, {}});
    // Nested project paths and a group whose path starts them.
    inv.accounts.push_back({{3, "a/b", "", gitlab::TokenKind::kProject}, {token(30, "c/x"), token(31, "y")}});
    inv.accounts.push_back({{4, "a/b/c", "", gitlab::TokenKind::kProject}, {token(40, "x"), token(41, "z", true)}});
    inv.accounts.push_back(
        {{5, "a", "", gitlab::TokenKind::kGroup}, {token(50, "b/y"), token(51, "dup"), token(52, "dup")}});
    return inv;
  }();
  return kInventory;
}

void checkResolution(const std::string& text) {
  auto resolved = handlers::resolveToken(inventory(), text);
  if (!resolved) {
    const ErrorKind kind = resolved.error().kind;
    fuzz::check(kind == ErrorKind::kInvalidInput || kind == ErrorKind::kNotFound || kind == ErrorKind::kConflict,
                "resolveToken fails with kInvalidInput, kNotFound or kConflict");
    return;
  }
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  const bool byId = ec == std::errc() && end == text.data() + text.size() && id == resolved->token.id;
  const bool byName = handlers::tokenArgument(resolved->account.kind, resolved->account.username,
                                              resolved->token.name) == text &&
                      !resolved->token.revoked;
  fuzz::check(byId || byName,
              "a resolved token matches the text by id or by unrevoked ACCOUNT/NAME, project:PATH/NAME or "
              "group:PATH/NAME");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::asText(data, size);
  auto args = slack::splitArguments(text);
  if (!args) {
    fuzz::check(args.error().kind == ErrorKind::kInvalidInput, "a bad command text is kInvalidInput");
    checkResolution(std::string(text));
    return 0;
  }
  for (const std::string& arg : *args) checkResolution(arg);

  auto rotate = handlers::parseRotateArgs(*args);
  if (rotate) {
    fuzz::check(!rotate->token.empty(), "parsed rotate arguments name a token");
    fuzz::check(!rotate->expiresInDays || (*rotate->expiresInDays >= 1 && *rotate->expiresInDays <= 365),
                "--expires-in is 1 to 365");
    checkResolution(rotate->token);
  } else {
    fuzz::check(rotate.error().kind == ErrorKind::kInvalidInput, "bad rotate arguments are kInvalidInput");
  }
  return 0;
}
