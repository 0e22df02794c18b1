#!/usr/bin/env bash
# Runs `vitest run` with the given arguments, with a guard against a hung run.
#
# A whole run takes 4–8 minutes on this 2-core machine. Once, in CI, a unit test
# worker deadlocked in native code: its main thread waited on a futex, it used no
# CPU and held no socket, the test's own time-out could not fire, and vitest
# waited for it forever (server/domain/audit/verify-in-browser.test.ts, Web
# Crypto; it passed 8 of 8 times alone). So a run that has not ended after
# VITEST_HANG_S seconds (default 1500) is stopped, with its whole process group,
# and started once more. Only a hang is retried: a run that ends with failures
# fails, at once.
set -uo pipefail
cd "$(dirname "$0")/.."
limit="${VITEST_HANG_S:-1500}"

pid=""
# An interrupt (Ctrl-C) or a stop of this script reaches vitest's own group too.
trap '[ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null; exit 130' INT TERM

run_once() {
  # Its own process group (setsid), so a stop reaches every worker too.
  setsid node_modules/.bin/vitest run "$@" &
  pid=$!
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$limit" ]; then
      kill -TERM -- "-$pid" 2>/dev/null
      sleep 10
      kill -KILL -- "-$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 5
    waited=$((waited + 5))
  done
  wait "$pid"
}

for attempt in 1 2; do
  run_once "$@"
  code=$?
  [ "$code" -ne 124 ] && exit "$code"
  echo "vitest had not finished after ${limit} s (attempt ${attempt} of 2): a worker hung; stopped it and its workers" >&2
done
exit 124
