#!/usr/bin/env bash
# DeploySystemdVerify: deploy/patbot.service passes `systemd-analyze verify` without a single
# message, keeps its hardening, and hands patbot the three secrets as credential files.
set -euo pipefail
unit=$PATBOT_SOURCE_DIR/deploy/patbot.service
binary=$PATBOT_BUILD_DIR/bot/patbot
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (scripts/setup.sh installs systemd)"
[ -x "$binary" ] || fail "$binary not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify insists that ExecStart exists: point it at the built binary.
sed "s#^ExecStart=/usr/local/bin/patbot #ExecStart=$binary #" "$unit" > "$tmp/patbot.service"
grep -q "^ExecStart=$binary serve$" "$tmp/patbot.service" || fail "ExecStart is not /usr/local/bin/patbot serve"
(cd "$tmp" && systemd-analyze verify ./patbot.service) > "$tmp/verify.out" 2>&1 \
  || { cat "$tmp/verify.out"; fail "systemd-analyze verify exited non-zero"; }
if [ -s "$tmp/verify.out" ]; then cat "$tmp/verify.out"; fail "systemd-analyze verify printed warnings"; fi

# Exposure score 0.0 (locked down) .. 10.0 (unprotected); the unit scores about 1.0.
(cd "$tmp" && systemd-analyze security --offline=yes --threshold=20 ./patbot.service) > "$tmp/security.out" 2>&1 \
  || { grep -E '✗|Overall' "$tmp/security.out"; fail "systemd-analyze security exposure above 2.0"; }

for directive in 'DynamicUser=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'NoNewPrivileges=yes' 'StateDirectory=patbot' 'UMask=0077' 'Restart=on-failure' \
    'MemoryDenyWriteExecute=yes' 'SystemCallFilter=@system-service' 'CapabilityBoundingSet=' 'LimitCORE=0' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'EnvironmentFile=-/etc/patbot/patbot.env' \
    'Environment=PATBOT_DB=/var/lib/patbot/patbot.db' 'ExecStart=/usr/local/bin/patbot serve'; do
  grep -qxF "$directive" "$unit" || fail "missing $directive"
done

# Each secret: <VAR>_FILE=%d/<name> with a LoadCredential=<name>:... beside it; never the value.
for var in SLACK_SIGNING_SECRET SLACK_BOT_TOKEN GITLAB_TOKEN; do
  line=$(grep -E "^Environment=${var}_FILE=%d/" "$unit") || fail "no ${var}_FILE=%d/... in the unit"
  name=${line#*%d/}
  grep -qE "^LoadCredential=${name}:/" "$unit" || fail "${var}_FILE names credential $name, which is not loaded"
  if grep -qE "^Environment=${var}=" "$unit"; then fail "$var set directly in the unit"; fi
done
echo "DeploySystemdVerify: ok"
