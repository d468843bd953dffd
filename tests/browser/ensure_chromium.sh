#!/bin/sh
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# Installs it when missing and we are root; otherwise says how to install it.
CHROMIUM="${FRESQUE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (apt-get install -y chromium)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
    echo "apt-get could not install chromium." >&2
else
    echo "Chromium is missing: the browser tests need it at $CHROMIUM." >&2
    echo "Install it with: sudo apt-get install -y chromium  (or set FRESQUE_CHROMIUM to a Chromium binary)." >&2
fi
# Not fatal here: outside CI the browser tests are skipped with this same message; under CI=true they fail.
exit 0
