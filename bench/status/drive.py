#!/usr/bin/env python3
"""Sends `/pat TEXT` through the fake Slack (a signed slash command to the bot) and times it
until the final message of the answer arrives at the fake Slack.

    drive.py SLACK_URL GITLAB_URL PATBOT_DB LATENCY_MS CONCURRENCY RUNS TEXT...

Start: just before POST /_fake/slash (the fake signs the command and posts it to the bot). Ack:
when the fake has the bot's HTTP answer. Messages: polled every 5 ms from /_fake/messages
(response_url and chat.postMessage alike), each timed when first seen. End: the last message,
taken once the bot's closing audit row for the command is committed (CommandService writes it
after delivering every message). GitLab calls: the fake GitLab's call log over the run; the
lower bound is calls x latency / concurrency.
"""
import json
import sqlite3
import statistics
import sys
import time
import urllib.request

SL, GL, DB = sys.argv[1], sys.argv[2], sys.argv[3]
LATENCY, CONC, RUNS = int(sys.argv[4]) / 1000.0, int(sys.argv[5]), int(sys.argv[6])
TEXT = " ".join(sys.argv[7:])
POLL = 0.005


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def closing_rows(con):
    return con.execute("SELECT count(*) FROM audit WHERE action = 'command.status' AND outcome != 'accepted'").fetchone()[0]


def last_seq(items):
    return max((m["seq"] for m in items), default=0)


def main():
    con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
    msg_seq = last_seq(get(SL + "/_fake/messages"))
    call_seq = last_seq(get(GL + "/_fake/calls"))
    results = []
    for run in range(1, RUNS + 1):
        closed = closing_rows(con)
        t0 = time.perf_counter()
        ack = post(SL + "/_fake/slash", {"text": TEXT, "user_id": "U0BENCH001", "user_name": "bench",
                                         "channel_id": "C0PATBOT01"})
        t_ack = time.perf_counter() - t0
        if ack.get("status") != 200 or ack.get("error"):
            sys.exit("the bot did not ack: status %s error %s" % (ack.get("status"), ack.get("error")))
        seen = []   # (seconds since start, via)
        deadline = time.perf_counter() + 600
        while True:
            done = closing_rows(con) > closed   # read before the poll: every message precedes the row
            new = get("%s/_fake/messages?since=%d" % (SL, msg_seq))
            now = time.perf_counter() - t0
            for m in new:
                seen.append((now, m["via"], m))
            msg_seq = max(msg_seq, last_seq(new))
            if done:
                break
            if time.perf_counter() > deadline:
                sys.exit("no closing audit row after 600 s")
            time.sleep(POLL)
        calls = get("%s/_fake/calls?since=%d" % (GL, call_seq))
        calls = [c for c in calls if c["seq"] > call_seq]
        call_seq = max(call_seq, last_seq(calls))
        failed = sum(1 for c in calls if c["status"] >= 400)
        bound = len(calls) * LATENCY / CONC
        via_url = sum(1 for s in seen if s[1] == "response_url")
        via_api = sum(1 for s in seen if s[1] == "chat.postMessage")
        first, final = seen[0][0], seen[-1][0]
        footer = ""
        last = seen[-1][2]["message"]
        for b in last.get("blocks", []):
            if b.get("type") == "context":
                footer = " | ".join(e.get("text", "") for e in b.get("elements", []))
        results.append((first, final))
        print(f"run {run}: ack {t_ack*1000:.0f} ms (bot's own {ack.get('elapsed_ms')} ms); first message {first:.2f} s; "
              f"final message {final:.2f} s; messages {len(seen)} ({via_url} response_url + {via_api} chat.postMessage, "
              f"paced 1/s per channel: floor {max(0, via_api - 1)} s after the first post); GitLab calls {len(calls)} "
              f"({failed} failed); lower bound {len(calls)} x {LATENCY*1000:.0f} ms / {CONC} = {bound:.2f} s; "
              f"first message / bound = {first / bound if bound else float('nan'):.2f}")
        print(f"       footer: {footer}")
    if len(results) > 1:
        print(f"median of {len(results)}: first message {statistics.median(r[0] for r in results):.2f} s, "
              f"final message {statistics.median(r[1] for r in results):.2f} s")


if __name__ == "__main__":
    main()
