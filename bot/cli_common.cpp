#include <iostream>

#include "bot/cli.h"
#include "bot/logging.h"

namespace patbot::cli {

int fail(const std::string& message, int code) {
  std::cerr << "patbot: " << message << std::endl;
  return code;
}

}  // namespace patbot::cli
