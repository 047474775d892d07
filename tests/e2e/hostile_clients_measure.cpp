// hostile_clients_measure: figures for the operations section of the README (issue 6), taken
// against the real `patbot serve` between the fakes. Not a test: it asserts nothing and is not
// registered with CTest; it prints what patbot serve's listener (Boost.Beast, http/server_beast.cpp)
// does under hostile clients: idle connections by the thousand, endless heads and chunks, huge
// declared bodies, and the open-file limit.
//
//   build/tests/e2e/hostile_clients_measure [--idle 0,100,500,1000] [--fd-limit 256] [--skip-memory]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/raw_bot.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/wait_until.h"

using namespace patbot::e2e;
using namespace std::chrono_literals;

namespace {

std::optional<RawBot> botOf(E2eStack& stack) {
  std::string why;
  auto bot = RawBot::of(stack, "/commands/measure", &why);
  if (!bot) std::cerr << why << "\n";
  return bot;
}

std::string ackFigures(RawBot& bot, int samples) {
  std::vector<long> ms;
  int failures = 0;
  for (int i = 0; i < samples; ++i) {
    auto r = bot.signedStatus();
    if (r.status == 200) ms.push_back(r.elapsed.count());
    else ++failures;
  }
  if (ms.empty()) return fmt::format("no ack ({} of {} failed)", failures, samples);
  std::sort(ms.begin(), ms.end());
  return fmt::format("median {} ms, max {} ms{}", ms[ms.size() / 2], ms.back(),
                     failures ? fmt::format(", {} failed", failures) : "");
}

double cpuShare(pid_t pid, std::chrono::milliseconds over) {
  double before = cpuSeconds(pid);
  std::this_thread::sleep_for(over);
  return (cpuSeconds(pid) - before) / (static_cast<double>(over.count()) / 1000.0);
}

// Opens `count` idle connections; returns them once the bot holds them (or 5 s passed).
std::vector<int> openIdle(RawBot& bot, int count) {
  long before = openFds(bot.pid());
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = connectLoopback(bot.port(), 2s);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  waitUntil([&] { return openFds(bot.pid()) >= before + count; }, 5s, 50ms);
  return fds;
}

void measureIdle(RawBot& bot, const std::vector<int>& counts) {
  std::cout << "\n## Time to ack a signed /pat status (fresh connection each, 10 samples) with N idle connections\n";
  std::cout << "| idle | ack | patbot RSS | patbot fds | patbot CPU while idle |\n|---|---|---|---|---|\n";
  for (int n : counts) {
    auto idle = openIdle(bot, n);
    std::string acks = ackFigures(bot, 10);
    std::cout << fmt::format("| {} ({} connected) | {} | {} MiB | {} | {:.0f}% |\n", n, idle.size(), acks,
                             rssKiB(bot.pid()) / 1024, openFds(bot.pid()), 100 * cpuShare(bot.pid(), 1s));
    closeAll(idle);
    std::this_thread::sleep_for(500ms);
  }
}

// The bot's RSS (KiB) before, while `mebibytes` of `filler` follow `opening` on one connection,
// and after that connection closed; how many MiB went out.
struct FloodFigures {
  size_t sentMiB = 0;
  long before = 0, during = 0, after = 0;
};

FloodFigures flood(RawBot& bot, const std::string& opening, char filler, size_t mebibytes) {
  FloodFigures f;
  f.before = rssKiB(bot.pid());
  int fd = connectLoopback(bot.port());
  sendAll(fd, opening);
  std::string piece(1024 * 1024, filler);
  for (; f.sentMiB < mebibytes; ++f.sentMiB) {
    if (!sendAll(fd, piece)) break;
  }
  std::this_thread::sleep_for(1s);
  f.during = rssKiB(bot.pid());
  ::close(fd);
  std::this_thread::sleep_for(1s);
  f.after = rssKiB(bot.pid());
  return f;
}

void printFlood(const std::string& client, const FloodFigures& f) {
  std::cout << fmt::format("| {} | RSS {} -> {} MiB (+{}), {} MiB after close |\n", client, f.before / 1024,
                           f.during / 1024, (f.during - f.before) / 1024, f.after / 1024);
}

// A head (printable, never ending).
void measureEndlessHead(RawBot& bot, size_t mebibytes) {
  auto f = flood(bot, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nX-Pad: ", 'p', mebibytes);
  printFlood(fmt::format("endless head: {} MiB sent, no CRLFCRLF", f.sentMiB), f);
}

// One chunk declared almost 2 GiB long.
void measureChunkBomb(RawBot& bot, size_t mebibytes) {
  auto f = flood(bot, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7ffffff0\r\n", 'c',
                 mebibytes);
  printFlood(fmt::format("one chunk of size 0x7ffffff0, {} MiB sent", f.sentMiB), f);
}

void measureHugeDeclaredBody(RawBot& bot) {
  int fd = connectLoopback(bot.port());
  auto reply = exchangeOn(fd, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc", 5s);
  std::cout << fmt::format("| Content-Length 10^9, 3 bytes sent | {} within 5 s; connection {} |\n",
                           reply.status ? fmt::format("status {}", reply.status) : std::string("no answer"),
                           reply.peerClosed ? "closed" : "still open");
  ::close(fd);
  long before = rssKiB(bot.pid());
  auto start = std::chrono::steady_clock::now();
  fd = connectLoopback(bot.port());
  sendAll(fd, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n");
  std::string piece(1024 * 1024, 'a');
  for (int i = 0; i < 1023; ++i) sendAll(fd, piece);
  auto reply2 = exchangeOn(fd, piece, 60s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::cout << fmt::format("| Content-Length 1 GiB, all sent | status {} after {} ms (body read and discarded); "
                           "RSS {} -> {} MiB |\n",
                           reply2.status, took.count(), before / 1024, rssKiB(bot.pid()) / 1024);
  ::close(fd);
}

// A bot whose open-file limit is `limit`: what happens when idle connections use it up.
void measureFdLimit(rlim_t limit) {
  std::cout << fmt::format("\n## Open-file limit {} (RLIMIT_NOFILE of patbot serve)\n", limit);
  rlimit original{};
  ::getrlimit(RLIMIT_NOFILE, &original);
  rlimit lowered = original;
  lowered.rlim_cur = limit;
  ::setrlimit(RLIMIT_NOFILE, &lowered);   // inherited by the processes the stack starts
  E2eStack stack(smallWorld());
  ::setrlimit(RLIMIT_NOFILE, &original);
  auto bot = botOf(stack);
  if (!bot) return;
  std::cout << fmt::format("- before: ack {}; fds {}; CPU {:.0f}%\n", ackFigures(*bot, 3), openFds(bot->pid()),
                           100 * cpuShare(bot->pid(), 1s));
  auto idle = openIdle(*bot, static_cast<int>(limit) + 100);
  std::this_thread::sleep_for(1s);
  auto r = bot->signedStatus(5s);
  std::cout << fmt::format("- {} idle connections opened (the kernel's backlog takes what patbot cannot accept); "
                           "patbot fds {}; signed ack: {} after {} ms; patbot CPU {:.0f}%\n",
                           idle.size(), openFds(bot->pid()), r.status ? std::to_string(r.status) : "none",
                           r.elapsed.count(), 100 * cpuShare(bot->pid(), 2s));
  std::this_thread::sleep_for(16s);   // past the listener's idle deadline (15 s)
  std::cout << fmt::format("- 16 s later, the idle connections still open on the client side: patbot fds {}; "
                           "ack {}\n",
                           openFds(bot->pid()), ackFigures(*bot, 3));
  closeAll(idle);
  std::this_thread::sleep_for(1s);
  std::cout << fmt::format("- idle connections closed: ack {}; fds {}; CPU {:.0f}%\n", ackFigures(*bot, 3),
                           openFds(bot->pid()), 100 * cpuShare(bot->pid(), 1s));
}

std::vector<int> parseList(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    out.push_back(std::atoi(p));
    const char* comma = std::strchr(p, ',');
    if (!comma) break;
    p = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> idle = {0, 100, 500, 1000};
  rlim_t fdLimit = 256;
  bool memory = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--idle" && i + 1 < argc) idle = parseList(argv[++i]);
    else if (a == "--fd-limit" && i + 1 < argc) fdLimit = static_cast<rlim_t>(std::atol(argv[++i]));
    else if (a == "--skip-memory") memory = false;
    else {
      std::cerr << "usage: hostile_clients_measure [--idle 0,100,500,1000] [--fd-limit 256] [--skip-memory]\n";
      return 2;
    }
  }
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  std::cout << fmt::format("# patbot serve under hostile clients ({} CPUs, RLIMIT_NOFILE {})\n",
                           std::thread::hardware_concurrency(), nofile.rlim_cur);
  E2eStack stack(smallWorld());
  auto bot = botOf(stack);
  if (!bot) return 1;
  std::cout << fmt::format("patbot serve at start: RSS {} MiB, {} fds\n", rssKiB(bot->pid()) / 1024, openFds(bot->pid()));
  bot->signedStatus();
  measureIdle(*bot, idle);
  if (memory) {
    std::cout << "\n## What the listener buffers before patbot sees the request\n| client | result |\n|---|---|\n";
    measureHugeDeclaredBody(*bot);
    measureEndlessHead(*bot, 64);
    measureEndlessHead(*bot, 256);
    measureChunkBomb(*bot, 256);
    std::cout << fmt::format("- afterwards: ack {}\n", ackFigures(*bot, 3));
  }
  if (fdLimit > 0) measureFdLimit(fdLimit);
  return 0;
}
