// Last line of defence against leaking credentials in text (log lines): anything shaped like a
// GitLab token (glpat-, gloas-, gldt-, glrt-, glptt-, glft-, glimt-, glagent-, glsoat-, glcbt-,
// glffct-) or a Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xapp-) has its value replaced by
// "[redacted]", keeping the prefix so the line still says what kind of token it was.
#pragma once

#include <string>
#include <string_view>

namespace patbot {

std::string redactSecrets(std::string_view text);

}  // namespace patbot
