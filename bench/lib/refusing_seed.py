#!/usr/bin/env python3
"""refusing_seed.py SEED OUT: writes to OUT the fake GitLab state SEED (a /_fake/state dump) with
every admin token's value changed, so that the fake refuses patbot's token once OUT is loaded
(POST /_fake/reset). The benchmarks use it to make the expiry watcher's start-up scan fail, so
that no command can answer from the watcher's snapshot; loading SEED again restores the token.
Token values stay in the files; nothing is printed."""
import json
import sys

state = json.load(open(sys.argv[1]))
admins = {u["id"] for u in state["users"] if u.get("admin")}
for token in state["tokens"]:
    if token["user_id"] in admins:
        token["value"] = token["value"] + "-not-any-more"
json.dump(state, open(sys.argv[2], "w"))
