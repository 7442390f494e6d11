# Shared by scripts/compose and scripts/test: a Docker engine and the Debian base image that the
# local stand-in images start from. Source it after tools.sh.
# shellcheck shell=bash

DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_IMAGE="english-practice/debian:$DEBIAN_SUITE"
# dockerd is machine-wide (one socket): its pid file is too, so any clone knows who started it.
DOCKERD_DIR="/run/english-practice"
DOCKERD_PID="$DOCKERD_DIR/dockerd.pid"
DOCKERD_LOG="$DOCKERD_DIR/dockerd.log"
# The debootstrap tarball (about 1 minute to make): machine-wide so that every clone (CI's
# fresh ones too) reuses it, with the clone's .tools/ as the fallback where that is not writable.
BASE_TARBALL_DIRS=("/var/cache/english-practice" "$TOOLS_DIR/cache")

ensure_docker_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
}

# Runs a command and shows its output only if it fails (image builds are long and chatty).
quietly() {
  local output
  output="$("$@" 2>&1)" && return
  local status=$?
  printf '%s\n' "$output" | tail -n 40 >&2
  return "$status"
}

docker_running() { docker info >/dev/null 2>&1; }

# Starts dockerd unless an engine already answers. Prints "started" when this call started it,
# so the caller knows to stop it (stop_docker) and no one else's engine is ever stopped.
ensure_docker() {
  ensure_docker_packages
  if docker_running; then return; fi
  [ "$(id -u)" = 0 ] || die "no Docker engine answers and not root: start dockerd, then run again"
  mkdir -p "$DOCKERD_DIR"
  say "starting dockerd (pid file $DOCKERD_PID, log $DOCKERD_LOG)"
  nohup dockerd --pidfile "$DOCKERD_PID" >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 150); do docker_running && { echo started; return; }; sleep 0.2; done
  die "dockerd did not start within 30 s: $(tail -n 5 "$DOCKERD_LOG" 2>/dev/null)"
}

stop_docker() {
  [ -f "$DOCKERD_PID" ] || return 0
  local pid
  pid="$(cat "$DOCKERD_PID")"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || { say "stopped dockerd (pid $pid)"; return; }; sleep 0.2; done
  die "dockerd (pid $pid) did not stop within 30 s"
}

# A minimal Debian made with debootstrap, imported as $BASE_IMAGE (no registry needed).
ensure_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return
  local tarball="" dir
  for dir in "${BASE_TARBALL_DIRS[@]}"; do
    [ -s "$dir/debian-$DEBIAN_SUITE.tar" ] && { tarball="$dir/debian-$DEBIAN_SUITE.tar"; break; }
  done
  if [ -z "$tarball" ]; then
    for dir in "${BASE_TARBALL_DIRS[@]}"; do mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] && break; done
    tarball="$dir/debian-$DEBIAN_SUITE.tar"
    say "debootstrap $DEBIAN_SUITE (about a minute, once per machine; cached at $tarball)"
    local root
    root="$(mktemp -d)"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 \
      || { rm -rf "$root"; die "debootstrap failed: $(tail -n 5 "$root.log")"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$root" "$root.log"
  fi
  say "importing $tarball as $BASE_IMAGE"
  docker import "$tarball" "$BASE_IMAGE" >/dev/null
}
