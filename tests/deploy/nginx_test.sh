#!/usr/bin/env bash
# DeployNginxConfig: deploy/nginx/patbot.conf passes `nginx -t` (with a throwaway self-signed
# certificate in place of the placeholders) without warnings, and keeps the limits it documents.
set -euo pipefail
conf=$PATBOT_SOURCE_DIR/deploy/nginx/patbot.conf
fail() { echo "FAIL: $*" >&2; exit 1; }

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || fail "nginx not found (scripts/setup.sh installs it)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=patbot.example.com \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || fail "openssl req failed"
grep -q 'ssl_certificate     /etc/ssl/patbot/fullchain.pem;' "$conf" || fail "certificate placeholder changed"
grep -q 'ssl_certificate_key /etc/ssl/patbot/privkey.pem;' "$conf" || fail "key placeholder changed"
sed -e "s#/etc/ssl/patbot/fullchain.pem#$tmp/cert.pem#" -e "s#/etc/ssl/patbot/privkey.pem#$tmp/key.pem#" \
  "$conf" > "$tmp/patbot.conf"
cat > "$tmp/nginx.conf" <<WRAP
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/patbot.conf;
}
WRAP
"$nginx" -t -q -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" > "$tmp/t.out" 2>&1 \
  || { cat "$tmp/t.out"; fail "nginx -t rejected the configuration"; }
if grep -E '\[(warn|emerg|alert|crit|error)\]' "$tmp/t.out" "$tmp/error.log" 2>/dev/null; then
  fail "nginx -t printed warnings"
fi

expect() { grep -qE "$1" "$conf" || fail "missing: $1"; }
expect '^\s*client_max_body_size 64k;'
expect '^\s*client_body_timeout [0-9]+s;'
expect '^\s*client_header_timeout [0-9]+s;'
expect '^\s*keepalive_timeout [0-9]+s;'
expect '^\s*send_timeout [0-9]+s;'
expect '^\s*proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;'
expect '^\s*limit_req_zone '
read_timeout=$(sed -nE 's/^\s*proxy_read_timeout ([0-9]+)s;/\1/p' "$conf")
[ -n "$read_timeout" ] && [ "$read_timeout" -gt 3 ] && [ "$read_timeout" -le 10 ] \
  || fail "proxy_read_timeout must be a few seconds above Slack's 3 s (got '${read_timeout}')"

# Public: the two Slack endpoints (rate-limited) and /healthz; internal: /metrics and /readyz;
# everything else 404.
block() { awk -v loc="$1" '$0 ~ "location " loc " \\{" {on=1} on {print} on && /^[ \t]*}/ {exit}' "$conf"; }
for path in /slack/commands /slack/interactions; do
  block "= $path" | grep -q 'limit_req zone=' || fail "$path is not rate-limited"
  block "= $path" | grep -q 'proxy_pass' || fail "$path is not proxied"
  if block "= $path" | grep -q 'deny all'; then fail "$path must be public"; fi
done
block "= /healthz" | grep -q 'proxy_pass' || fail "/healthz is not proxied"
for path in /metrics /readyz; do
  block "= $path" | grep -q 'deny all;' || fail "$path is not restricted"
done
block "/" | grep -q 'return 404;' || fail "other paths must answer 404"
echo "DeployNginxConfig: ok"
