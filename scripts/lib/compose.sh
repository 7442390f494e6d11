# Shared by scripts/compose and scripts/swarm: the compose CLI, the images' origin (a registry or
# the local stand-ins) and the app image. Source it after tools.sh, docker.sh and standin-images.sh.
# shellcheck shell=bash

# docker-compose 1.29 (Debian's, what scripts/test installs), else Compose v2's `docker compose`.
dc() {
  if command -v docker-compose >/dev/null 2>&1; then docker-compose "$@"; else docker compose "$@"; fi
}

registry_reachable() {
  local image="${MONGO_IMAGE:-mongo:7}"
  docker image inspect "$image" >/dev/null 2>&1 || timeout 60 docker pull -q "$image" >/dev/null 2>&1
}

# Decides (the first time) or recalls (from MODE_FILE, written by remember_mode) whether a
# deployment runs on stand-in images, sets MODE (standin | registry), and exports the stand-ins'
# image variables in stand-in mode. COMPOSE_STANDIN=auto|yes|no decides.
MODE=""
choose_images() {
  local mode_file=$1 mode
  if [ -f "$mode_file" ]; then
    mode="$(cat "$mode_file")"
  else
    case "${COMPOSE_STANDIN:-auto}" in
      yes) mode=standin ;;
      no) mode=registry ;;
      auto) if registry_reachable; then mode=registry; else mode=standin; fi ;;
      *) die "COMPOSE_STANDIN must be auto, yes or no" ;;
    esac
  fi
  [ "$mode" != standin ] || export_standin_images
  MODE="$mode"
}

remember_mode() { mkdir -p "$(dirname "$1")" && echo "$2" >"$1"; }

require_env_file() {
  local env_file="${ENV_FILE:-.env}"
  [ -f "$env_file" ] || die "$env_file is missing: cp .env.example .env, set JWT_SECRET (and what else you need), then run again"
}

# The app image: built inside Docker, or (stand-in mode) from dist/ and a production
# node_modules built on the host, since npm cannot reach the registry from inside a build here.
build_app_image() {
  if [ "$1" = standin ]; then
    build_prebuilt_app_image
  else
    dc build app
  fi
}
