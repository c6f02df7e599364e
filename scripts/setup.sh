#!/usr/bin/env bash
# Brings this machine to what GeoFed needs, then installs the project (npm ci, which also compiles it):
#   Fashion-MNIST (Debian package dataset-fashion-mnist) and Redis (redis-server, started on 127.0.0.1:6379);
#   with --test also Chromium, which the browser tests drive.
# Missing system packages are installed with apt-get when it is there and we are root (or have sudo), unless
# GEOFED_SETUP_APT=no; otherwise this prints what to install and carries on (GeoFed downloads Fashion-MNIST itself
# where the network allows). Safe to run again: it only does what is missing.
# Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=no
case "${1:-}" in
  --test) for_tests=yes ;;
  "") ;;
  *) echo "setup: unknown option '$1' (use --test to also set up what the tests need)" >&2; exit 2 ;;
esac

say() { echo "setup: $*"; }

missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "$for_tests" = yes ] && ! [ -x /usr/bin/chromium ]; then missing+=(chromium); fi

apt_runner() {
  [ "${GEOFED_SETUP_APT:-yes}" != no ] && command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" = 0 ]; then echo ""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then echo sudo; else return 1; fi
}

if [ ${#missing[@]} -gt 0 ]; then
  if runner="$(apt_runner)"; then
    say "installing ${missing[*]} with apt-get"
    $runner apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $runner apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
    say "(without dataset-fashion-mnist GeoFed downloads Fashion-MNIST to ~/.cache/geofed where the network allows)"
  fi
fi

if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "redis answers on 127.0.0.1:6379"
elif command -v redis-server >/dev/null 2>&1; then
  say "starting redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
else
  say "no redis: the demo does not need it; sweeps (geofed jobs/worker) and the tests do"
  [ "$for_tests" = no ] || { echo "setup: the tests need Redis on 127.0.0.1:6379" >&2; exit 1; }
fi

# npm ci when the install is missing or older than the lock file; its prepare step compiles to <package>/dist/.
if ! [ -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi
say "done (npx geofed doctor says what this machine has)"
