#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: installs what the project needs on a fresh
# machine (the frontend's npm packages; Chromium from Debian for the browser tests). Idempotent
# and quick when everything is already there.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed" >&2; exit 1; }; }

# ensure_npm_packages installs frontend/node_modules when missing or older than the lock file.
ensure_npm_packages() {
  need node
  need npm
  local fe="$repo/frontend"
  local stamp="$fe/node_modules/.kaiku-installed"
  if [ ! -f "$stamp" ] || [ "$fe/package-lock.json" -nt "$stamp" ]; then
    echo "setup: installing frontend packages (npm ci)"
    (cd "$fe" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

# ensure_chromium installs Debian's Chromium for the browser tests (never a downloaded build).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return
  fi
  echo "setup: installing Chromium from Debian packages"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    need sudo
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
}

# build_frontend builds the web app into frontend/dist, which the Go binary embeds.
build_frontend() {
  ensure_npm_packages
  echo "setup: building the web app"
  (cd "$repo/frontend" && npm run --silent build)
}

# build_server builds the binary with the web app inside.
build_server() {
  need go
  mkdir -p "$repo/bin"
  (cd "$repo" && go build -o bin/kaiku .)
}
