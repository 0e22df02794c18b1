// Prints one closing line, "tests: N passed, N failed, N skipped", over the
// JSON reports of the runs named on the command line (vitest and Playwright),
// so a reader (or CI) sees the whole count at the end of the output.
import { existsSync, readFileSync } from "node:fs";

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  if (r.stats && "expected" in r.stats) {
    passed += r.stats.expected + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
  } else {
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
// Belt and braces: whatever a runner's own exit code said, a failed test fails the command.
if (failed > 0) process.exitCode = 1;
