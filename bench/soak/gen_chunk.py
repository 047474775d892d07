#!/usr/bin/env python3
"""Writes one soak chunk: the signed requests wrk sends in the next chunk of the soak.

    gen_chunk.py OUT_PREFIX COUNT FAKE_SLACK_URL

Writes two request streams, one request a line (KIND<TAB>TIMESTAMP<TAB>SIGNATURE<TAB>BODY):
OUT_PREFIX.valid.0 with 70 % of COUNT and OUT_PREFIX.invalid.0 with 30 %. Each stream is sent by
its own wrk on its own connections, at the same time, so every answer is attributable: on the
valid stream anything but a proper 200 ack is an error on a valid request, on the invalid stream
anything but a 401 is a refused request that got through. OUT_PREFIX.meta has the counts.

Valid: 60 % `/pat help`, 39 % `/pat audit`, 1 % `/pat status` (SOAK_STATUS_SHARE, default 0.01,
taken from audit), timestamped now (Slack's window is 5 minutes; a chunk is sent within 2).
Invalid: half signed with another key, half correctly signed 10 minutes ago (stale).
Every /pat status has its own response_url, minted by the fake Slack (POST /_fake/slash with the
fake's bot URL pointing nowhere), so the bot's reply is accepted as Slack would accept it; help
and audit answer in the ack and never use theirs.
"""
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/lib")
import slack_sign  # noqa: E402

STATUS_SHARE = float(os.environ.get("SOAK_STATUS_SHARE", "0.01"))   # of the valid requests
USERS = [("U0SOAK%04d" % i, "soaker%d" % i) for i in range(50)]


class Minter:
    """Asks the fake Slack for response_urls over one kept-alive connection."""

    def __init__(self, slack_url):
        self.url = urllib.parse.urlsplit(slack_url)
        self.conn = None

    def __call__(self, user):
        body = json.dumps({"text": "status", "user_id": user, "channel_id": "C0PATBOT01"})
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
                self.conn.request("POST", "/_fake/slash", body, {"Content-Type": "application/json"})
                return json.load(self.conn.getresponse())["response_url"]
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise


def main():
    prefix, count, slack_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random()
    now = int(time.time())
    stale_ts = now - 600
    unused_url = slack_url + "/commands/T0PATBOT1/000000000000/unused"
    mint = Minter(slack_url)
    counts = {}
    with open(prefix + ".valid.0", "w") as valid, open(prefix + ".invalid.0", "w") as invalid:
        for _ in range(count):
            user, name = rng.choice(USERS)
            if rng.random() < 0.70:
                v = rng.random()
                kind = "status" if v < STATUS_SHARE else "audit" if v < 0.40 else "help"
                if kind == "status":
                    body = slack_sign.body("status inventory-bot", mint(user), user, name)
                else:
                    body = slack_sign.body(kind, unused_url, user, name)
                ts, sig, out = now, slack_sign.signature(now, body), valid
            else:
                kind = "badsig" if rng.random() < 0.5 else "stale"
                body = slack_sign.body(rng.choice(["help", "audit", "status"]), unused_url, user, name)
                if kind == "badsig":
                    ts, sig = now, slack_sign.signature(now, body, secret="not-the-signing-secret")
                else:
                    ts, sig = stale_ts, slack_sign.signature(stale_ts, body)
                out = invalid
            counts[kind] = counts.get(kind, 0) + 1
            out.write("%s\t%d\t%s\t%s\n" % (kind, ts, sig, body))
    json.dump({"counts": counts, "timestamp": now}, open(prefix + ".meta", "w"))


if __name__ == "__main__":
    main()
