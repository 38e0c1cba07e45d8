#!/usr/bin/env bash
# Debian's Chromium for the browser tests: installs the `chromium` package (and chromium-driver) if
# missing, as root, the way CI and new machines run; prints the browser's path. Playwright drives
# this binary (executable_path): `playwright install` cannot download its own browsers here.
# Usage: scripts/chromium.sh   (exit 3 with the reason when Chromium cannot be had)
set -euo pipefail
find_chromium() { command -v chromium || command -v chromium-browser || true; }
BIN=$(find_chromium)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2 \
      || { echo "could not install Debian's chromium package" >&2; exit 3; }
    BIN=$(find_chromium)
  else
    echo "chromium is not installed and this user cannot install it (apt-get install chromium)" >&2; exit 3
  fi
fi
[ -n "$BIN" ] || { echo "the chromium package installed no chromium binary" >&2; exit 3; }
echo "$BIN"
