// Reads a file from tests/slack/testdata (copies of shared/peers/bolt/fixtures).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace patbot::slack::testing {

inline std::string readTestdata(const std::string& name) {
  std::ifstream in(std::string(PATBOT_SLACK_TESTDATA) + "/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace patbot::slack::testing
