// outcomeOf: how a Result reads in one assertion — "ok", or "<kind>: <message>" with the kind as
// errorKindName spells it ("not_found: no service account is called \"x\"") — so that one
// EXPECT_EQ checks success, the error's kind and the sentence a user reads together.
#pragma once

#include <string>

#include "core/result.h"

namespace patbot::testing {

template <typename T>
std::string outcomeOf(const Result<T>& result) {
  if (result) return "ok";
  return std::string(errorKindName(result.error().kind)) + ": " + result.error().message;
}

}  // namespace patbot::testing
