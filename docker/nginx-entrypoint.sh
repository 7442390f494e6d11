#!/bin/bash
# The edge of the container deployments (compose, Docker Swarm, Kubernetes): two Nginx, the front
# that clients talk to (NGINX_CONF: compose.conf, kubernetes.conf) and the router behind it
# (router.conf), which holds the upstream of API replicas. Nginx 1.22 resolves an upstream's
# names once, at start, so a `--scale` change would go unseen: every APP_POLL_SECONDS this
# resolves APP_HOST through Docker's DNS, asks each address for /ready, writes one upstream server
# per ready replica and reloads the router when that set changes. The front is never reloaded for
# it, so its clients' keep-alive connections are never cut (router.conf says why). A replica that
# is shutting down fails /ready at once and keeps serving for SHUTDOWN_READINESS_DELAY_MS, so it
# leaves the upstream before it stops listening; a new one joins only once it is ready.
set -euo pipefail

APP_HOST="${APP_HOST:-app}"
APP_PORT="${APP_PORT:-3000}"
APP_POLL_SECONDS="${APP_POLL_SECONDS:-1}"
RUN_DIR=/run/english-practice-nginx
# The front's main file: compose.conf, or kubernetes.conf in the Kubernetes deployment.
CONF="${NGINX_CONF:-/etc/nginx/english-practice/compose.conf}"
ROUTER_CONF=/etc/nginx/english-practice/router.conf
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
  # All asked at once: replicas that stopped answering (a node lost takes several) cost the poll
  # one timeout together, so a dead one leaves the upstream within about 3 s.
  read -r -a ready <<<"$(
    for address in $addresses; do { ! answers_ready "$address" || echo "$address"; } & done | sort | tr '\n' ' '
  )"
  [ "${#ready[@]}" -gt 0 ] || read -r -a ready <<<"$(echo $addresses)"
  if [ "${#ready[@]}" -eq 0 ]; then
    echo "server 127.0.0.1:$APP_PORT down; # no replica resolved yet"
    return
  fi
  # At least 8 entries, repeating replicas: a retry that meets a killed replica's pooled
  # connections uses up an entry for each (nginx/http.conf, retries).
  while [ "${#ready[@]}" -lt 8 ]; do ready+=("${ready[@]}"); done
  # An entry that failed a try (its replica died: a connect or a read timed out) is skipped for
  # 3 s, until this poll has dropped the replica: after a node is lost, most entries can be
  # dead, and a request retried on one dead entry after another would run out of tries.
  for address in "${ready[@]}"; do echo "server $address:$APP_PORT max_fails=1 fail_timeout=3s;"; done
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

# Sockets a killed router left behind: Nginx does not listen on a path that exists.
rm -f "$RUN_DIR"/router*.sock
nginx -c "$ROUTER_CONF" -g 'daemon off;' &
router_pid=$!
for _ in $(seq 1 100); do [ -S "$RUN_DIR/router.sock" ] && break; sleep 0.05; done
nginx -c "$CONF" -g 'daemon off;' &
nginx_pid=$!
# docker stop: the front finishes what it serves (QUIT is Nginx's graceful stop), through the
# router, which stops after it.
trap 'kill -QUIT "$nginx_pid" 2>/dev/null; wait "$nginx_pid"; kill -QUIT "$router_pid" 2>/dev/null; wait "$router_pid"; exit 0' TERM INT QUIT

while kill -0 "$nginx_pid" 2>/dev/null && kill -0 "$router_pid" 2>/dev/null; do
  sleep "$APP_POLL_SECONDS" & wait $!
  servers="$(upstream_servers)"
  if [ "$servers" != "$(cat "$RUN_DIR/upstream-servers.conf")" ]; then
    echo "$servers" >"$RUN_DIR/upstream-servers.conf"
    say "upstream: $(tr '\n' ' ' <<<"$servers")"
    nginx -c "$ROUTER_CONF" -s reload
  fi
done
# One of the two died: the container stops (and is restarted).
say "$(kill -0 "$nginx_pid" 2>/dev/null && echo "the router" || echo "the front") exited"
kill -QUIT "$nginx_pid" "$router_pid" 2>/dev/null || true
wait
exit 1
