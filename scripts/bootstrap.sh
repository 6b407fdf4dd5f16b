#!/usr/bin/env bash
# Install what the platform needs on a fresh Debian machine, skipping what is already there.
#   scripts/bootstrap.sh          the platform (Docker engine, debootstrap, proxy, virtualenv)
#   scripts/bootstrap.sh --test   the same, plus Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0; [ "${1:-}" = "--test" ] && want_test=1
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

packages=()
command -v dockerd >/dev/null || packages+=(docker.io)
command -v debootstrap >/dev/null || packages+=(debootstrap)
command -v iptables >/dev/null || packages+=(iptables)
# learners' homes: one btrfs filesystem, a size limit (quota group) per home
command -v mkfs.btrfs >/dev/null || packages+=(btrfs-progs)
command -v ip >/dev/null || packages+=(iproute2)
command -v node >/dev/null || packages+=(nodejs npm)
[ "$want_test" = 1 ] && ! command -v chromium >/dev/null && packages+=(chromium)
# the date-dependent tests run again under moved clocks (tests/test_any_day.py)
[ "$want_test" = 1 ] && ! command -v faketime >/dev/null && packages+=(faketime)
# a second grading host in a network namespace of its own (tests/secondhost.py)
[ "$want_test" = 1 ] && ! command -v nsenter >/dev/null && packages+=(util-linux)
[ "$want_test" = 1 ] && ! command -v pgrep >/dev/null && packages+=(procps)
# the course service's store is tested on PostgreSQL too (a throwaway server per test run)
[ "$want_test" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "Run as root (or install: ${packages[*]})" >&2; exit 1; }
  log "Installing Debian packages: ${packages[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

python=python3.11
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  log "Creating the virtualenv (.venv) with $python"
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  log "Installing the project into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  touch "$stamp"
fi

if [ ! -x .venv/chp/node_modules/.bin/configurable-http-proxy ]; then
  log "Installing configurable-http-proxy (npm) into .venv/chp"
  npm install --silent --no-audit --no-fund --prefix .venv/chp configurable-http-proxy@5
fi
