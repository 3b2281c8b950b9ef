#!/usr/bin/env bash
# Installs what the browser tests of bot/web need, once per machine:
# Debian's chromium package and the axe-core accessibility engine from the
# npm registry (into a cache directory). Idempotent: does nothing when both
# are present. Prints the variables the tests read.
set -euo pipefail

cache=${KIPINA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kipina}
axe_version=${AXE_VERSION:-4.10.3}
axe="$cache/axe-core-$axe_version/node_modules/axe-core/axe.min.js"

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (Debian package)"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

if [ ! -f "$axe" ]; then
  echo "== installing axe-core $axe_version (npm)"
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to install axe-core (apt-get install npm)"; exit 1; }
  mkdir -p "$cache/axe-core-$axe_version"
  npm install --silent --no-audit --no-fund --prefix "$cache/axe-core-$axe_version" "axe-core@$axe_version" >/dev/null
fi

echo "KIPINA_CHROMIUM=$(command -v chromium)"
echo "KIPINA_AXE=$axe"
