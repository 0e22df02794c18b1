#!/usr/bin/env bash
# Makes sure `promtool` (Debian package prometheus) is there for the metrics
# lint test; where it cannot be installed the test says it skipped the check.
set -uo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's prometheus (for promtool check metrics)…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >&2 || true
fi
command -v promtool >/dev/null 2>&1 || echo "promtool is not available: the metrics lint test will be skipped" >&2
exit 0
