// `patbot demo` (SPEC §1): the real bot between a simulated GitLab and a simulated Slack (sim/),
// all on loopback in this process, and a scripted conversation. Declared apart from bot/cli.h
// because it lives in its own library, patbot::demo: patbot::bot never links the simulation,
// only the patbot executable does.
#pragma once

namespace patbot::cli {

struct DemoOptions {
  bool keepRunning = false;   // leave the bot and the simulated services running afterwards
  bool socketMode = false;    // the bot in Socket Mode: Slack reaches it over its WebSockets, no inbound port
};
// Exit 0 when every step of the scripted conversation went through and the audit chain verifies,
// 1 otherwise, 2 when a server or the bot cannot start (one line on stderr). With keepRunning it
// never returns: it serves until the process is stopped.
int runDemo(const DemoOptions& options);

}  // namespace patbot::cli
