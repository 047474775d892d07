// raceOutcomes: calls attempt(i) for every i in [0, threads), each on a thread of its own, all
// released at once so that they race, and counts the outcomes the calls name ("won", "conflict",
// an error's message...). `attempt` must be safe to call concurrently; returns when all have.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace patbot::testing {

std::map<std::string, int> raceOutcomes(int threads, const std::function<std::string(int)>& attempt);

}  // namespace patbot::testing
