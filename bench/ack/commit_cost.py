#!/usr/bin/env python3
"""What one durable commit costs on this disk: one-row transactions in WAL mode under
synchronous=NORMAL and FULL, first while the WAL file grows, then after a checkpoint, when SQLite
writes over the start of the same WAL file (patbot's steady state).
Usage: bench/ack/commit_cost.py [directory=.] [commits=2000]"""
import os
import sqlite3
import sys
import tempfile
import time


def commits(conn, n):
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(v) VALUES (?)", ("x" * 300,))
        conn.execute("COMMIT")
        lat.append((time.perf_counter() - t0) * 1e6)
    lat.sort()
    return f"p50 {lat[n // 2]:.0f} us, p99 {lat[n * 99 // 100]:.0f} us, mean {sum(lat) / n:.0f} us"


def main():
    where = sys.argv[1] if len(sys.argv) > 1 else "."
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory(dir=where) as d:
        for sync in ("NORMAL", "FULL"):
            conn = sqlite3.connect(os.path.join(d, f"{sync}.db"), isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {sync}")
            conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            growing = commits(conn, n)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            reused = commits(conn, n)
            print(f"synchronous={sync:6} {n} commits: WAL growing: {growing}; WAL reused: {reused}")
            conn.close()


if __name__ == "__main__":
    main()
