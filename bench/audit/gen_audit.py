#!/usr/bin/env python3
"""Extends patbot's audit trail to N rows with a valid hash chain, fast.

    gen_audit.py DB N

DB must already carry patbot's schema (any `patbot audit` run against it creates it). Rows are
appended after the chain's head exactly as storage/sqlite_audit_store.cpp appends them: the next
id (head id + 1, never below sqlite_sequence), prev_hash = the head's hash (64 zeros for the
first row), hash = SHA-256 hex of the compact JSON array
    [prev_hash, id, ts, actor, action, target, outcome, detail_text, request_id]
(storage/audit_hash.h), where detail_text is the detail object as nlohmann::json dumps it:
compact, keys sorted (std::map), UTF-8 unescaped. Python's json with separators=(",", ":"),
sort_keys=True and ensure_ascii=False writes the same bytes for the ASCII rows made here;
`patbot audit verify` afterwards is the proof.

The rows imitate what patbot writes (bot/command_service.cpp, bot/slack_endpoints.cpp,
handlers/rotation_engine.cpp): slash commands with their follow-up row, rejected requests,
rotation steps, spaced ~30 s apart so that a million rows cover about a year ending a day ago
(so rows appended later by the real bot stay in time order). They are bulk-inserted in
transactions of 50,000 rows with synchronous=OFF: only the load is faster, not the rows.
"""
import hashlib
import json
import random
import sqlite3
import sys
import time

GENESIS = "0" * 64
SPACING_MS = 30_000
ROWS_FOR_A_YEAR = 1_000_000

detail_text = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode
canonical = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

USERS = ["U0%08d" % (1000 + i) for i in range(40)]
CHANNELS = ["C0PATBOT01", "C0OPS00001", "C0SEC00042", "D0DM000007"]
ACCOUNTS = ["inventory-bot", "release-bot", "deploy-bot", "scanner-bot", "backup-bot", "metrics-bot"]
NAMES = ["GitLab Security Service - Inventory", "Release publishing", "Deploy", "Nightly scan"]


def iso(ms):
    t = time.gmtime(ms // 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % (ms % 1000)


def events(rng):
    """Yields (actor, action, target, outcome, detail) rows; some events are several rows."""
    while True:
        k = rng.random()
        user, channel = rng.choice(USERS), rng.choice(CHANNELS)
        req = "req-%016x" % rng.getrandbits(64)
        cmd = {"channel": channel, "command": "/pat"}
        if k < 0.35:   # /pat status: accepted, then the background result
            q = rng.choice(["", "", "", rng.choice(ACCOUNTS)])
            yield user, "command.status", q, "accepted", dict(cmd, args=1 if q else 0), req
            yield user, "command.status", q, "ok", {"detail": "%d rows" % rng.randint(1, 3000),
                                                    "duration_ms": rng.randint(40, 4000)}, req
        elif k < 0.50:
            yield user, "command.audit", "", "ok", dict(cmd, args=0), req
        elif k < 0.58:
            yield user, "command.help", "", "ok", dict(cmd, args=0), req
        elif k < 0.63:
            yield user, "command.rotate", "", "denied", dict(cmd, args=2, reason="role:operator"), req
        elif k < 0.65:
            yield user, "command.unknown", "", "invalid", dict(cmd, args=0, subcommand="stauts"), req
        elif k < 0.95:
            reason = rng.choice(["mismatch", "mismatch", "stale", "missing_signature", "missing_timestamp"])
            yield "-", "request.rejected", "/slack/commands", "rejected", {
                "bytes": rng.randint(300, 520), "reason": reason,
                "remote": "10.%d.%d.%d:%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254),
                                              rng.randint(1024, 65535))}, req
        else:          # a rotation: the command row and the engine's steps, same request key
            target = "%s/%s" % (rng.choice(ACCOUNTS), rng.choice(NAMES))
            rot, old = rng.randint(1, 10**5), rng.randint(10**5, 10**7)
            new = old + rng.randint(1, 1000)
            yield user, "command.rotate", target, "accepted", dict(cmd, args=2), req
            base = {"rotation": rot, "old_token_id": old}
            yield user, "rotation.create", target, "ok", base, req
            base = dict(base, new_token_id=new)
            yield user, "rotation.deliver", target, "ok", dict(base, variables=rng.randint(1, 3)), req
            yield user, "rotation.verify", target, "ok", dict(base, pipeline=rng.randint(1, 10**6)), req
            yield user, "rotation.revoke", target, "ok", base, req
            yield user, "command.rotate", target, "ok", {"detail": "rotated", "duration_ms": rng.randint(5000, 90000)}, req


def main():
    db, target = sys.argv[1], int(sys.argv[2])
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    head = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    last_id, prev = head if head else (0, GENESIS)
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    if seq and seq[0] > last_id:
        sys.exit("the audit table ends below sqlite_sequence; refusing to extend a broken chain")
    if last_id >= target:
        return
    start_ms = int(time.time() * 1000) - 86_400_000 - ROWS_FOR_A_YEAR * SPACING_MS
    rng = random.Random(last_id)
    gen = events(rng)
    started = time.monotonic()
    batch = []

    def flush():
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO audit(id, ts, actor, action, target, outcome, detail, request_id, prev_hash, hash)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
        con.execute("COMMIT")
        batch.clear()

    for i in range(last_id + 1, target + 1):
        actor, action, tgt, outcome, detail, req = next(gen)
        ts = iso(start_ms + i * SPACING_MS + rng.randrange(1000))
        text = detail_text(detail)
        h = hashlib.sha256(canonical([prev, i, ts, actor, action, tgt, outcome, text, req]).encode()).hexdigest()
        batch.append((i, ts, actor, action, tgt, outcome, text, req, prev, h))
        prev = h
        if len(batch) == 50_000:
            flush()
    if batch:
        flush()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    print("audit rows %d..%d inserted in %.1f s" % (last_id + 1, target, time.monotonic() - started), file=sys.stderr)


if __name__ == "__main__":
    main()
