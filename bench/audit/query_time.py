#!/usr/bin/env python3
"""Times the SQL that SqliteAuditStore::latest() runs (storage/sqlite_audit_store.cpp), directly.

    query_time.py DB [repetitions=1000]

Prepares the statement afresh each time (latest() does; cached_statements=0 here), reads the
rows and parses each detail column as JSON, as latest() does. Prints one line per query shape:
the first run on a fresh connection, then p50 / p99 / max over the repetitions, in ms.

The token-id shapes need schema migration 4 (its three detail indexes); on an older database
they are skipped. For comparison, the token-id query as it was before migration 4 (a full scan
evaluating json_extract on every row) is timed too, a few times only.
"""
import json
import sqlite3
import statistics
import sys
import time

COLUMNS = "id, ts, actor, action, target, outcome, detail, request_id, prev_hash, hash"
BASE = "SELECT %s FROM audit WHERE 1=1" % COLUMNS
TAIL = " ORDER BY id DESC LIMIT :limit"
# The token filter before migration 4.
OLD_TOKEN = (" AND (target = :token_text OR json_extract(detail, '$.old_token_id') = :token_id"
             " OR json_extract(detail, '$.new_token_id') = :token_id OR json_extract(detail, '$.token_id') = :token_id)")
# latestSql() in storage/sqlite_audit_store.cpp with a token id: each index yields its newest
# :limit ids (after the other filters), the newest :limit of their union are read.
TOKEN_BRANCHES = [
    ("audit_target", "target = :token_text"),
    ("audit_old_token_id", "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.old_token_id') END = :token_id"),
    ("audit_new_token_id", "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.new_token_id') END = :token_id"),
    ("audit_token_id", "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.token_id') END = :token_id"),
]


def token_sql(filters=""):
    ids = " UNION ALL ".join(
        "SELECT id FROM (SELECT id FROM audit INDEXED BY %s WHERE %s%s ORDER BY id DESC LIMIT :limit)"
        % (index, cond, filters) for index, cond in TOKEN_BRANCHES)
    return "SELECT %s FROM audit WHERE id IN (%s)%s" % (COLUMNS, ids, TAIL)


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
    token = probe.execute("SELECT json_extract(detail, '$.old_token_id'), actor FROM audit"
                          " WHERE action = 'rotation.create' ORDER BY id DESC LIMIT 1").fetchone()
    indexed = probe.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN"
                            " ('audit_old_token_id', 'audit_new_token_id', 'audit_token_id')").fetchone()[0] == 3
    probe.close()
    shapes = [
        ("latest 20 (/pat audit)", BASE + TAIL, {"limit": 20}, reps),
        ("latest 20 by actor (/pat audit @user)", BASE + " AND actor = :actor" + TAIL, {"actor": actor, "limit": 20}, 50),
        ("latest 20 by target", BASE + " AND target = :target" + TAIL, {"target": "/slack/commands", "limit": 20}, 50),
    ]
    if token and token[0] is not None:
        tp = {"token_text": str(token[0]), "token_id": token[0], "limit": 20}
        if indexed:
            shapes.append(("latest 20 by token id (/pat audit ID)", token_sql(), tp, reps))
            shapes.append(("latest 20 by token id and actor", token_sql(" AND actor = :actor"), dict(tp, actor=token[1]), 50))
        else:
            print("no migration-4 token indexes in %s: indexed token-id shapes skipped" % db)
        shapes.append(("same, pre-migration-4 query (full scan)", BASE + OLD_TOKEN + TAIL, tp, 3))
    print("sqlite %s, %s" % (sqlite3.sqlite_version, db))
    if token and token[0] is not None and indexed:
        plan = [r[3] for r in sqlite3.connect(db).execute("EXPLAIN QUERY PLAN " + token_sql(), tp)]
        if any(step.startswith("SCAN audit") for step in plan):
            sys.exit("the token-id query scans the audit table:\n  " + "\n  ".join(plan))
        print("token-id query plan: %d steps, none scans the audit table" % len(plan))
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
