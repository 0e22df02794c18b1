#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests exists: Debian's package where
# apt is available (Playwright's own download cannot reach its host here),
# otherwise Playwright's installer. Prints the path it found.
set -euo pipefail
find_chromium() {
  for c in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}
if path=$(find_chromium); then echo "$path"; exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's chromium for the browser tests…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
else
  echo "No system Chromium; trying Playwright's own download…" >&2
  npx playwright install chromium >&2 && echo "playwright" && exit 0
fi
if path=$(find_chromium); then echo "$path"; exit 0; fi
echo "No Chromium could be installed: install Debian's chromium or set CHROMIUM_PATH" >&2
exit 1
