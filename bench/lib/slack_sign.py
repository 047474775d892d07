"""Signed Slack slash commands for the benchmarks (Slack's v0 HMAC scheme).

The signing secret comes from BENCH_SECRET (the bench's documented example secret); nothing
here prints it. Used as a module by the other bench scripts, or from the shell:

    python3 bench/lib/slack_sign.py TEXT RESPONSE_URL   # prints: TIMESTAMP SIGNATURE BODY
"""
import functools
import hashlib
import hmac
import os
import random
import sys
import time
import urllib.parse

_rng = random.Random()


@functools.lru_cache(maxsize=4096)
def _quote(value):
    return urllib.parse.quote_plus(value)


def body(text, response_url, user_id="U0BENCH001", user_name="bench", channel_id="C0PATBOT01",
         channel_name="patbot", trigger_id=None):
    trigger_id = trigger_id or "%d.%d.%032x" % (_rng.randrange(10**11, 10**12), _rng.randrange(10**10, 10**11),
                                                _rng.getrandbits(128))
    q = _quote   # what Slack sends: application/x-www-form-urlencoded
    return ("token=fAkEvErIfIcAtIoNtOkEn001&team_id=T0PATBOT1&team_domain=patbot-fake&channel_id=%s&channel_name=%s"
            "&user_id=%s&user_name=%s&command=%%2Fpat&text=%s&api_app_id=A0PATBOT001&is_enterprise_install=false"
            "&response_url=%s&trigger_id=%s" % (q(channel_id), q(channel_name), q(user_id), q(user_name), q(text),
                                                 q(response_url), trigger_id))


def signature(timestamp, payload, secret=None):
    key = (secret if secret is not None else os.environ["BENCH_SECRET"]).encode()
    base = b"v0:" + str(timestamp).encode() + b":" + payload.encode()
    return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()


if __name__ == "__main__":
    ts = int(time.time())
    b = body(sys.argv[1], sys.argv[2])
    print(ts, signature(ts, b), b)
