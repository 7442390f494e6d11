#!/bin/bash
# Nginx of the compose deployment. Nginx 1.22 resolves an upstream's names once, at start, so
# a `--scale` change would go unseen: every APP_POLL_SECONDS this resolves APP_HOST through
# Docker's DNS, asks each address for /ready, writes one upstream server per ready replica and
# reloads Nginx when that set changes. A replica that is shutting down fails /ready at once and
# keeps serving for SHUTDOWN_READINESS_DELAY_MS, so it leaves the upstream before it stops
# listening; a new one joins only once it is ready.
set -euo pipefail

APP_HOST="${APP_HOST:-app}"
APP_PORT="${APP_PORT:-3000}"
APP_POLL_SECONDS="${APP_POLL_SECONDS:-1}"
RUN_DIR=/run/english-practice-nginx
# The main file: compose.conf, or kubernetes.conf in the Kubernetes deployment.
CONF="${NGINX_CONF:-/etc/nginx/english-practice/compose.conf}"
TLS_DIR=/etc/nginx/tls

say() { printf 'nginx-entrypoint: %s\n' "$*" >&2; }

ensure_certificate() {
  [ -s "$TLS_DIR/tls.crt" ] && [ -s "$TLS_DIR/tls.key" ] && return
  say "no certificate in $TLS_DIR: generating a self-signed one for ${TLS_COMMON_NAME:-localhost}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=${TLS_COMMON_NAME:-localhost}" \
    -keyout "$TLS_DIR/tls.key" -out "$TLS_DIR/tls.crt" 2>/dev/null
}

answers_ready() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET /ready HTTP/1.0\r\nHost: nginx\r\n\r\n" >&3 && head -c 12 <&3' _ "$1" "$APP_PORT" 2>/dev/null \
    | grep -q '^HTTP/1\.[01] 200'
}

# The upstream's servers: every ready replica; if none is ready (say the database is down for
# all of them), every replica, so that the app's own 503s reach the clients rather than a 502.
upstream_servers() {
  local addresses ready=()
  addresses="$(getent ahostsv4 "$APP_HOST" 2>/dev/null | awk '{ print $1 }' | sort -u)" || true
  for address in $addresses; do
    answers_ready "$address" && ready+=("$address")
  done
  [ "${#ready[@]}" -gt 0 ] || read -r -a ready <<<"$(echo $addresses)"
  if [ "${#ready[@]}" -eq 0 ]; then
    echo "server 127.0.0.1:$APP_PORT down; # no replica resolved yet"
    return
  fi
  # At least 8 entries, repeating replicas: a retry that meets a killed replica's pooled
  # connections uses up an entry for each (nginx/http.conf, retries).
  while [ "${#ready[@]}" -lt 8 ]; do ready+=("${ready[@]}"); done
  for address in "${ready[@]}"; do echo "server $address:$APP_PORT max_fails=0;"; done
}

mkdir -p "$RUN_DIR" "$TLS_DIR"
ensure_certificate
# Per-client limits and the in-flight bound of the box (nginx/http.conf), in each server block.
cat >"$RUN_DIR/edge-limits.conf" <<LIMITS
set \$ep_rate_limits ${NGINX_RATE_LIMITS:-on};
set \$ep_shedding ${NGINX_SHEDDING:-on};
limit_conn ep_inflight_all ${NGINX_INFLIGHT_MAX:-128};
limit_conn ep_inflight_reads ${NGINX_INFLIGHT_READS_MAX:-96};
limit_conn ep_inflight_anonymous ${NGINX_INFLIGHT_ANONYMOUS_MAX:-64};
LIMITS
upstream_servers >"$RUN_DIR/upstream-servers.conf"
say "upstream: $(tr '\n' ' ' <"$RUN_DIR/upstream-servers.conf")"

nginx -c "$CONF" -g 'daemon off;' &
nginx_pid=$!
# docker stop: let Nginx finish what it serves (QUIT is its graceful stop).
trap 'kill -QUIT "$nginx_pid" 2>/dev/null; wait "$nginx_pid"; exit 0' TERM INT QUIT

while kill -0 "$nginx_pid" 2>/dev/null; do
  sleep "$APP_POLL_SECONDS" & wait $!
  servers="$(upstream_servers)"
  if [ "$servers" != "$(cat "$RUN_DIR/upstream-servers.conf")" ]; then
    echo "$servers" >"$RUN_DIR/upstream-servers.conf"
    say "upstream: $(tr '\n' ' ' <<<"$servers")"
    nginx -c "$CONF" -s reload
  fi
done
wait "$nginx_pid"
