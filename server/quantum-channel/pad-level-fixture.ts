/**
 * Test-only: pad levels for the browser tests (e2e/mesh-pads.spec.ts), recorded
 * into the hub's PadLevels store when a demonstration console starts with
 * QECNET_E2E_PAD_FIXTURE=1 (scripts/e2e-server.ts sets it): both ends of the
 * demo's hub-sov--relay-north link report their levels, and relay-east--ep-grid
 * reports levels and is desynchronised. Ends also report their real pad use
 * as keys are carried (and overwrite these figures then), but a fresh e2e
 * console has carried few keys and no desynchronisation: the fixture makes
 * what the browser tests look at certain. Counts only, like every report.
 */
import type { PadEndLevel, PadLevels } from "./pad-levels";

export const FIXTURE_LINK = "hub-sov--relay-north";
export const FIXTURE_DESYNC_LINK = "ep-grid--relay-east";
export const FIXTURE_DESYNC_KEY = "00000000-0000-4000-8000-00000000d35c";

const both = (linkId: string, end: "A" | "B", aToB: [number, number], bToA: [number, number]): PadEndLevel[] => [
  { linkId, end, direction: "A>B", deliveredBytes: aToB[0], usedBytes: aToB[1] },
  { linkId, end, direction: "B>A", deliveredBytes: bToA[0], usedBytes: bToA[1] },
];

export function recordPadFixture(levels: PadLevels, now: Date): void {
  // The demo's links: hub-sov (A) -- relay-north (B); relay-east (A) -- ep-grid (B).
  levels.record("hub-sov", both(FIXTURE_LINK, "A", [65_536, 8_192], [65_536, 4_096]), now);
  levels.record("relay-north", both(FIXTURE_LINK, "B", [65_536, 8_192], [65_536, 4_096]), now);
  levels.record("relay-east", both(FIXTURE_DESYNC_LINK, "A", [32_768, 1_024], [32_768, 2_048]), now);
  levels.record("ep-grid", both(FIXTURE_DESYNC_LINK, "B", [32_768, 992], [32_768, 2_048]), now);
  levels.markDesync({ linkId: FIXTURE_DESYNC_LINK, direction: "A>B", keyId: FIXTURE_DESYNC_KEY, detectedAt: now.toISOString() });
}
