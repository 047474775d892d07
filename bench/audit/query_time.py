#!/usr/bin/env python3
"""Times the SQL that SqliteAuditStore::latest() runs (storage/sqlite_audit_store.cpp), directly.

    query_time.py DB [repetitions=1000]

Prepares the statement afresh each time (latest() does; cached_statements=0 here), reads the
rows and parses each detail column as JSON, as latest() does. Prints one line per query shape:
the first run on a fresh connection, then p50 / p99 / max over the repetitions, in ms.
"""
import json
import sqlite3
import statistics
import sys
import time

COLUMNS = "id, ts, actor, action, target, outcome, detail, request_id, prev_hash, hash"
BASE = "SELECT %s FROM audit WHERE 1=1" % COLUMNS
TOKEN = (" AND (target = :token_text OR json_extract(detail, '$.old_token_id') = :token_id"
         " OR json_extract(detail, '$.new_token_id') = :token_id OR json_extract(detail, '$.token_id') = :token_id)")
TAIL = " ORDER BY id DESC LIMIT :limit"


def run(con, sql, params):
    t0 = time.perf_counter()
    rows = con.execute(sql, params).fetchall()
    for r in rows:
        json.loads(r[6])
    return (time.perf_counter() - t0) * 1000, len(rows)


def main():
    db = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    probe = sqlite3.connect(db)
    actor = probe.execute("SELECT actor FROM audit WHERE actor != '-' ORDER BY id DESC LIMIT 1").fetchone()[0]
    token = probe.execute("SELECT json_extract(detail, '$.old_token_id') FROM audit"
                          " WHERE action = 'rotation.create' ORDER BY id DESC LIMIT 1").fetchone()
    probe.close()
    shapes = [
        ("latest 20 (/pat audit)", BASE + TAIL, {"limit": 20}, reps),
        ("latest 20 by actor (/pat audit @user)", BASE + " AND actor = :actor" + TAIL, {"actor": actor, "limit": 20}, 50),
        ("latest 20 by target", BASE + " AND target = :target" + TAIL, {"target": "/slack/commands", "limit": 20}, 50),
    ]
    if token and token[0] is not None:
        shapes.append(("latest 20 by token id (/pat audit ID)", BASE + TOKEN + TAIL,
                       {"token_text": str(token[0]), "token_id": token[0], "limit": 20}, 5))
    print("sqlite %s, %s" % (sqlite3.sqlite_version, db))
    for name, sql, params, n in shapes:
        con = sqlite3.connect(db, cached_statements=0)
        first, count = run(con, sql, params)
        times = sorted(run(con, sql, params)[0] for _ in range(n))
        p99 = times[min(len(times) - 1, int(round(len(times) * 0.99)) - 1)]
        print("%-40s rows=%d first=%.3f ms p50=%.3f ms p99=%.3f ms max=%.3f ms (n=%d)"
              % (name, count, first, statistics.median(times), p99, times[-1], n))
        con.close()


if __name__ == "__main__":
    main()
