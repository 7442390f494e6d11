# Redis highly available for the local stack (`STACK_REDIS=sentinel ./scripts/stack up`):
# a master and two replicas (Debian's redis-server) and three sentinels (redis-sentinel) on
# loopback ports, each with its own folder, configuration file, pid file and log under
# .stack/redis-sentinel. Sourced by scripts/stack after tools.sh; it uses the stack's pid_alive,
# wait_port, require_free_port and stop_pid. docs/redis-high-availability.md explains the set-up.
#   STACK_REDIS_PORT (6380): the first data node, the master on a first start; replicas on the
#   next two ports. STACK_SENTINEL_PORT (26380): the first sentinel; the others on the next two.
#   STACK_SENTINEL_NAME (english-practice): the master group the sentinels monitor.
# shellcheck shell=bash

SENTINEL_DIR="$STACK_DIR/redis-sentinel"
SENTINEL_PORT="${STACK_SENTINEL_PORT:-26380}"
SENTINEL_NAME="${STACK_SENTINEL_NAME:-english-practice}"

redis_sentinel_node_ports() { echo "$REDIS_PORT" "$((REDIS_PORT + 1))" "$((REDIS_PORT + 2))"; }
redis_sentinel_ports() { echo "$SENTINEL_PORT" "$((SENTINEL_PORT + 1))" "$((SENTINEL_PORT + 2))"; }

# What every node and sentinel is told first: its port on loopback, its folder, pid file and log.
process_conf() {
  local kind=$1 port=$2 dir=$3
  printf '%s\n' "port $port" "bind 127.0.0.1" "dir $dir" "daemonize yes" "pidfile $STACK_DIR/$kind-$port.pid" "logfile $dir/$kind.log"
}

# A data node's configuration, written once: Redis and Sentinel rewrite it as roles change
# (CONFIG REWRITE), so that a restart keeps the node's current role.
write_node_conf() {
  local port=$1 master_port=$2 dir="$SENTINEL_DIR/node-$1"
  [ -f "$dir/redis.conf" ] && return
  mkdir -p "$dir"
  {
    process_conf redis "$port" "$dir"
    # As docker-compose.yml's Redis: every acknowledged write also on disk within a second.
    echo "appendonly yes"
    echo "appendfsync everysec"
    echo "maxmemory-policy noeviction"
    # A rejoining old master needs a full copy: send it at once rather than after 5 s.
    echo "repl-diskless-sync-delay 0"
    [ "$port" != "$master_port" ] && echo "replicaof 127.0.0.1 $master_port"
  } >"$dir/redis.conf"
}

write_sentinel_conf() {
  local port=$1 master_port=$2 dir="$SENTINEL_DIR/sentinel-$1"
  [ -f "$dir/sentinel.conf" ] && return
  mkdir -p "$dir"
  {
    process_conf sentinel "$port" "$dir"
    # Quorum 2 of 3: one sentinel down still allows a failover, one alone cannot start one.
    echo "sentinel monitor $SENTINEL_NAME 127.0.0.1 $master_port 2"
    # A master that does not answer for 5 s is failed over (Sentinel's default is 30 s).
    echo "sentinel down-after-milliseconds $SENTINEL_NAME 5000"
    echo "sentinel failover-timeout $SENTINEL_NAME 30000"
    echo "sentinel parallel-syncs $SENTINEL_NAME 1"
  } >"$dir/sentinel.conf"
}

start_redis_sentinel() {
  local port first_start=""
  [ -d "$SENTINEL_DIR" ] || first_start=1
  for port in $(redis_sentinel_node_ports); do
    if pid_alive "$STACK_DIR/redis-$port.pid"; then continue; fi
    require_free_port "$port" STACK_REDIS_PORT
    write_node_conf "$port" "$REDIS_PORT"
    redis-server "$SENTINEL_DIR/node-$port/redis.conf"
    wait_port "$port" "redis (port $port)"
  done
  for port in $(redis_sentinel_ports); do
    if pid_alive "$STACK_DIR/sentinel-$port.pid"; then continue; fi
    require_free_port "$port" STACK_SENTINEL_PORT
    write_sentinel_conf "$port" "$REDIS_PORT"
    redis-sentinel "$SENTINEL_DIR/sentinel-$port/sentinel.conf"
    wait_port "$port" "redis-sentinel (port $port)"
  done
  local master=""
  for _ in $(seq 1 100); do
    master="$(redis-cli -p "$SENTINEL_PORT" --raw SENTINEL GET-MASTER-ADDR-BY-NAME "$SENTINEL_NAME" 2>/dev/null | paste -sd: -)"
    [ -n "$master" ] && break
    sleep 0.1
  done
  [ -n "$master" ] || die "the sentinels name no master for $SENTINEL_NAME (logs in $SENTINEL_DIR)"
  say "redis with sentinel: master $master, replicas on ports $(redis_sentinel_node_ports), sentinels on $(redis_sentinel_ports)${first_start:+ (first start)}"
}

stop_redis_sentinel() {
  local port
  # Sentinels first: a node stopping must not set off a failover.
  for port in $(redis_sentinel_ports); do stop_pid "$STACK_DIR/sentinel-$port.pid" "redis-sentinel (port $port)"; done
  for port in $(redis_sentinel_node_ports); do stop_pid "$STACK_DIR/redis-$port.pid" "redis (port $port)"; done
}

# What the API processes are configured with (.stack/env).
redis_sentinel_env() {
  local sentinels port
  for port in $(redis_sentinel_ports); do sentinels="${sentinels:+$sentinels,}127.0.0.1:$port"; done
  echo "export REDIS_SENTINELS=$sentinels"
  echo "export REDIS_SENTINEL_NAME=$SENTINEL_NAME"
}

status_redis_sentinel() {
  local port
  for port in $(redis_sentinel_node_ports); do
    if pid_alive "$STACK_DIR/redis-$port.pid"; then
      printf '%-9s %s\n' "redis" "running (pid $(cat "$STACK_DIR/redis-$port.pid"), port $port, $(redis-cli -p "$port" --raw ROLE 2>/dev/null | head -1))"
    fi
  done
  for port in $(redis_sentinel_ports); do
    if pid_alive "$STACK_DIR/sentinel-$port.pid"; then printf '%-9s %s\n' "sentinel" "running (pid $(cat "$STACK_DIR/sentinel-$port.pid"), port $port)"; fi
  done
}

# The stack's hooks: STACK_REDIS=sentinel picks the deployment above, anything else one server.
stack_redis_mode() { [ "${STACK_REDIS:-}" = sentinel ] && echo sentinel || echo single; }

start_stack_redis() {
  if [ "$(stack_redis_mode)" = sentinel ]; then
    pid_alive "$STACK_DIR/redis.pid" && die "the stack runs a single Redis: ./scripts/stack down first, then STACK_REDIS=sentinel ./scripts/stack up"
    start_redis_sentinel
  else
    pid_alive "$STACK_DIR/sentinel-$SENTINEL_PORT.pid" && die "the stack runs Redis with Sentinel: ./scripts/stack down first, or keep STACK_REDIS=sentinel"
    start_redis
  fi
}

stack_redis_env() {
  if [ "$(stack_redis_mode)" = sentinel ]; then redis_sentinel_env; else echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"; fi
}

stack_redis_summary() {
  if [ "$(stack_redis_mode)" = sentinel ]; then
    echo "sentinel $SENTINEL_NAME via 127.0.0.1:$SENTINEL_PORT (+2 more); master $(redis-cli -p "$SENTINEL_PORT" --raw SENTINEL GET-MASTER-ADDR-BY-NAME "$SENTINEL_NAME" 2>/dev/null | paste -sd: -)"
  else
    echo "redis://127.0.0.1:$REDIS_PORT"
  fi
}
