#!/usr/bin/env bash
# Makes sure Debian's `faketime` is there: CI runs the unit and integration
# suites a second time with the system clock moved a year ahead, to prove the
# tests pass on any date (one clock, server/time/clock.ts). Fails loudly when
# it cannot be installed, since that run is part of CI's promise.
set -euo pipefail
if command -v faketime >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's faketime (for the run with the clock a year ahead)…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime) >&2
fi
command -v faketime >/dev/null 2>&1 || { echo "faketime is not available and could not be installed (apt-get install faketime)" >&2; exit 1; }
