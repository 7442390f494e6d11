# Used by scripts/compose where no registry is reachable: local stand-ins for the images the
# compose file names, selected through the variables it reads, and the app image from artefacts
# built on the host. Source it after tools.sh and docker.sh.
# shellcheck shell=bash

STANDIN_DIR="$ROOT/docker/standin"
CONTEXTS_DIR="$TOOLS_DIR/compose/contexts"

standin_node_tag() { echo "english-practice/node:$(node -p 'process.versions.node')"; }

export_standin_images() {
  ensure_node
  NODE_IMAGE="$(standin_node_tag)"
  MONGO_IMAGE="english-practice/ferretdb:${FERRETDB_VERSION#v}"
  REDIS_IMAGE="english-practice/redis:$DEBIAN_SUITE"
  NGINX_IMAGE="english-practice/nginx:$DEBIAN_SUITE"
  # Tagged by the content of the files it runs, so a change to them builds a new image.
  POSTGRESQL_IMAGE="english-practice/postgresql:15-$(cat "$ROOT/scripts/lib/postgresql-server" "$ROOT/scripts/lib/ferretdb-indexes.sql" | sha1sum | cut -c1-8)"
  export NODE_IMAGE MONGO_IMAGE REDIS_IMAGE NGINX_IMAGE POSTGRESQL_IMAGE
}

# Builds an image from docker/standin/NAME.Dockerfile unless it is already there (tags carry
# the versions). CONTEXT_FILES, if given, are the files its build context holds.
build_standin() {
  local tag=$1 name=$2
  shift 2
  docker image inspect "$tag" >/dev/null 2>&1 && return
  local context="$CONTEXTS_DIR/$name"
  rm -rf "$context" && mkdir -p "$context"
  [ "$#" -eq 0 ] || cp "$@" "$context/"
  say "building stand-in image $tag"
  quietly docker build -f "$STANDIN_DIR/$name.Dockerfile" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$tag" "$context" \
    || die "building $tag failed"
  rm -rf "$context"
}

build_standin_images() {
  ensure_base_image
  ensure_ferretdb
  build_standin "$NODE_IMAGE" node "$(readlink -f "$ROOT/node_modules/.bin/node")"
  build_standin "$MONGO_IMAGE" ferretdb "$FERRETDB_BIN"
  build_standin "$POSTGRESQL_IMAGE" postgresql "$ROOT/scripts/lib/postgresql-server" "$ROOT/scripts/lib/ferretdb-indexes.sql"
  build_standin "$REDIS_IMAGE" redis
  build_standin "$NGINX_IMAGE" nginx
}

# The Dockerfile's `prebuilt` target, from dist/ compiled here and node_modules holding the
# production dependencies only (npm ci --omit=dev, redone when package-lock.json changes).
build_prebuilt_app_image() {
  ensure_node
  say "building dist/"
  (cd "$ROOT" && tsc -p tsconfig.build.json) || die "tsc failed"
  local context="$CONTEXTS_DIR/app"
  mkdir -p "$context"
  if ! cmp -s "$ROOT/package-lock.json" "$context/package-lock.json"; then
    say "installing production dependencies for the image (npm ci --omit=dev)"
    rm -rf "$context/node_modules"
    cp "$ROOT/package.json" "$ROOT/package-lock.json" "$context/"
    (cd "$context" && npm ci --omit=dev --no-audit --no-fund --loglevel=error) || die "npm ci --omit=dev failed"
  fi
  cp "$ROOT/package.json" "$context/"
  rm -rf "$context/dist" "$context/assets"
  cp -r "$ROOT/dist" "$ROOT/assets" "$context/"
  rm -f "$context/dist/.tsbuildinfo"
  say "building the app image ${APP_IMAGE:-english-practice-api:latest} (Dockerfile target prebuilt)"
  quietly docker build -f "$ROOT/Dockerfile" --target prebuilt --build-arg "NODE_IMAGE=$NODE_IMAGE" \
    -t "${APP_IMAGE:-english-practice-api:latest}" "$context" || die "building the app image failed"
}
