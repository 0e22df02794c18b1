/**
 * Browser contexts a test opens itself (a second officer, a viewer in another
 * window) are closed when the test ends. Playwright closes only its own
 * `context` fixture per test; the `browser` lives for the whole run (one
 * worker), so every context left open kept its pages running: live streams,
 * the mesh graph's animation, timers. A full run had 16 renderer processes
 * alive by its middle, and the later tests slowed down and flaked.
 */
import { test } from "@playwright/test";

export function closeExtraContextsAfterEach(): void {
  test.afterEach(async ({ browser, context }) => {
    await Promise.all(browser.contexts().filter((c) => c !== context).map((c) => c.close().catch(() => undefined)));
  });
}
