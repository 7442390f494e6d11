# Runs one of the compiled commands in src/cli against the configured database.
# Without MONGODB_URI, the local stack's settings (.stack/env, written by `stack up`) are used.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

run_cli() {
  local name=$1
  shift
  ensure_node
  cd "$ROOT"
  if [ -z "${MONGODB_URI:-}" ] && [ -f "$ROOT/.stack/env" ]; then
    # shellcheck source=/dev/null
    source "$ROOT/.stack/env"
  fi
  tsc -p tsconfig.build.json
  node "dist/cli/$name.js" "$@"
}
